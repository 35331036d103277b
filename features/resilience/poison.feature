Feature: A poison event goes to the dead-letter queue and the queue moves on
  A clinical decision recorded without its patient cannot be placed by any engine. The engine
  dead-letters it with an incident for a person to look at, and the decision behind it is
  handled as usual.

  Scenario: A decision without a patient is dead-lettered; the next one goes through
    Given Ana has signed up in the portal
    And Ana is registered in the EHR
    When a clinical decision is recorded in the EHR without its patient
    And the provider records the decision "approved" for Ana
    Then the engine dead-lettered 1 event and opened 1 incident
    And Ana's CRM record shows her workflow state as "approved"
    And every event the engine received reached a terminal state
    And the checker finds no anomaly
