Feature: The merge-review queue
  A record that probably belongs to an existing patient gets a provisional person and a review
  item. The merge owner accepts it (a merge) or rejects it: a rejected pair is never suggested
  again, and automation never undoes what a person decided.

  Background:
    Given the CRM registers record "c-1" for Ana
    And the EHR registers record "e-1" for Ana under another identifier

  Scenario: A probable duplicate waits for review instead of being linked
    Then a merge review pairs record "e-1" with record "c-1"
    And record "e-1" belongs to a different person than record "c-1"

  Scenario: Accepting the review merges the two persons
    When the merge owner accepts that review because "ehr_registration_duplicate"
    Then record "e-1" belongs to the person of record "c-1"
    And no merge review is open

  Scenario: A rejected pair is never suggested again
    When the merge owner rejects that review
    And the EHR sends an update of record "e-1" for Ana under another identifier
    Then no merge review is open
    And record "e-1" belongs to a different person than record "c-1"

  Scenario: A manual link is not overridden by automation
    Given the merge owner accepts that review because "ehr_registration_duplicate"
    And the portal registers record "p-1" for Ben
    When the EHR sends an update of record "e-1" for Ben
    Then record "e-1" belongs to the person of record "c-1"
    And the engine kept the manual link of record "e-1"

  Scenario: An automatic link follows a better match
    Given the CRM registers record "c-2" for Ana
    And the portal registers record "p-1" for Ben
    When the CRM sends an update of record "c-2" for Ben
    Then record "c-2" belongs to the person of record "p-1"
