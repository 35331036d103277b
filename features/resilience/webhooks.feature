Feature: Change events that arrive twice, or never
  A duplicated change event is the same event (one id): the engine applies it once. A dropped
  one never reaches the engine by webhook, but every system keeps a feed of its changes (the
  CRM's and the portal's /changes, the EHR's FHIR _history): the engine reconciles with them and
  receives what it missed through its inbox, where the event's id stops a second application.

  Scenario: A duplicated change event is applied once
    Given the portal's next change event to the engine is duplicated
    When Ana signs up in the portal
    Then the portal delivered 1 change event to the engine twice
    And the CRM holds one contact for Ana
    And the checker finds no anomaly

  Scenario: A dropped EHR change is recovered from the EHR's history
    Given Ana has signed up in the portal
    And Ana is registered in the EHR
    And the EHR's next change event to the engine is dropped
    When the EHR corrects Ana's date of birth to "1984-03-01"
    Then the EHR dropped 1 change event to the engine
    When the engine reconciles with the systems' change feeds
    Then Ana's CRM record shows her date of birth as "1984-03-01"
    And the checker finds no anomaly

  Scenario: A dropped portal change is recovered from the portal's change feed
    Given Ana has signed up in the portal
    And the portal's next change event to the engine is dropped
    When Ana changes her phone in the portal to "+1-212-555-0199"
    Then the portal dropped 1 change event to the engine
    When the engine reconciles with the systems' change feeds
    Then Ana's CRM record shows her phone as "+1-212-555-0199"
    And the checker finds no anomaly
