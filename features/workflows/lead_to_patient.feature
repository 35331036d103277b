Feature: A lead becomes a patient across the CRM, the portal and the EHR
  Growth ops enter Ana as a lead; she signs up in the portal; the EHR registers her at her first
  visit. The engine links each new record to the person it already knows, so the CRM keeps one
  contact for her, named by a token, and that contact learns her EHR-owned date of birth.

  Background:
    Given the engine listens to the EHR, the CRM and the portal

  Scenario: A lead who signs up and is registered stays one contact in the CRM
    Given Ana is a lead in the CRM
    When Ana signs up in the portal
    And the EHR registers Ana
    Then the CRM holds one contact for Ana
    And Ana's CRM record shows her date of birth as "1984-02-29"
    And Ana's CRM record shows her lead source as "web"
    And the checker finds no anomaly
