Feature: An intake submitted in the portal moves the workflow
  The answers stay clinical; what moves is state. The CRM learns that Ana's intake is in (its
  workflow state), and the portal tells her the application was received.

  Background:
    Given Ana has signed up in the portal
    And Ana is registered in the EHR

  Scenario: A submitted intake sets the CRM workflow and the patient-visible status
    When Ana submits her intake in the portal
    Then Ana's CRM record shows her workflow state as "intake_submitted"
    And Ana's portal status is "Application received"
    And the checker finds no anomaly
