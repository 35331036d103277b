@sync
Feature: A portal sign-up becomes one CRM contact
  Our engine copies a new portal account into the CRM once, with a token instead of PHI.

  Scenario: Ana signs up and the CRM knows her once
    Given the engine listens to the EHR, the CRM and the portal
    When Ana signs up in the portal
    And the engine has caught up
    Then the CRM holds one contact for Ana
    And the CRM contact for Ana carries a token, not her chart id
    And the checker finds no anomaly
