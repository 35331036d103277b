Feature: A provider's decision reaches the CRM as workflow state and the portal as status
  The note and the medication detail stay in the EHR. The CRM gets the workflow state and, where
  a person must act, a task in the care coordinators' queue; the portal gets the status Ana sees.
  Clinical events of different kinds reach the engine through separate subscriptions, with no
  order between them: a note signed may arrive after the approval. The workflow only moves
  forward, so the scenarios record them back to back and the CRM still ends at the decision.

  Background:
    Given Ana has signed up in the portal
    And Ana is registered in the EHR

  Scenario: An approval puts Ana in care
    When a provider is assigned to Ana
    And the provider signs Ana's visit note
    And the provider records the decision "approved" for Ana
    Then Ana's CRM record shows her workflow state as "approved"
    And Ana's portal status is "In care"
    And the CRM's care_coordinator queue has no task for Ana
    And the checker finds no anomaly

  Scenario: A denial closes the program and asks a coordinator to follow up
    When the provider records the decision "denied" for Ana
    Then Ana's CRM record shows her workflow state as "denied"
    And Ana's portal status is "Program complete"
    And the CRM's care_coordinator queue has a task "Follow up on a denied application" for Ana
    And the checker finds no anomaly

  Scenario: More information needed: a request, then the note is revised and Ana is approved
    Given Ana has submitted her intake in the portal
    When the provider records the decision "more information needed" for Ana
    Then Ana's CRM record shows her workflow state as "more_information_needed"
    And the CRM's care_coordinator queue has a task "Request the missing information" for Ana
    When Ana adds the missing information to her intake in the portal
    Then Ana's CRM record shows her workflow state as "intake_updated"
    When the provider signs Ana's visit note
    And the provider records the decision "approved" for Ana
    Then Ana's CRM record shows her workflow state as "approved"
    And Ana's portal status is "In care"
    And the checker finds no anomaly

  Scenario: A prescription reaches the CRM as a summary, never as the medication plan
    When the provider prescribes "semaglutide 0.25 mg weekly" for Ana
    Then Ana's CRM record shows her workflow state as "prescription_sent"
    And Ana's portal status is "In care"
    And the checker finds no anomaly

  Scenario: A refill request that names no dose becomes a task that says what is missing
    When Ana asks for a refill that names no dose
    Then Ana's CRM record shows her workflow state as "refill_requested"
    And the CRM's care_coordinator queue has a task "missing dose" for Ana
    And the checker finds no anomaly
