Feature: Merge and unmerge without losing anyone's data
  A merge is not destructive: the retired person's records move to the survivor, and the engine
  keeps both persons as they were. An unmerge puts both back exactly, and gives each person the
  changes its own records made since the merge.

  Background:
    Given the CRM registers record "c-1" for Ana
    And record "c-1" sets legal_name to "Ana Garcia"
    And the EHR registers record "e-1" for Ana under another identifier and phone
    And record "e-1" sets medication_plan to "plan-a"

  Scenario: Merge then unmerge restores both persons exactly
    When the merge owner merges the person of record "e-1" into the person of record "c-1" because "ehr_registration_duplicate"
    Then record "e-1" belongs to the person of record "c-1"
    When the merge owner undoes the merge
    Then both persons are exactly as they were before the merge

  Scenario: A change made after the merge goes back with the record that made it
    Given the merge owner merges the person of record "e-1" into the person of record "c-1" because "ehr_registration_duplicate"
    When record "e-1" sets medication_plan to "plan-b"
    And record "c-1" sets lead_source to "referral"
    And the merge owner undoes the merge
    Then the medication_plan of the person of record "e-1" is "plan-b"
    And the person of record "c-1" has no medication_plan
    And the lead_source of the person of record "c-1" is "referral"

  Scenario: An unmerge is refused when a change cannot be given back to either person
    Given the merge owner merges the person of record "e-1" into the person of record "c-1" because "ehr_registration_duplicate"
    And the portal registers record "p-1" for Ana
    When record "p-1" sets contact_preference to "sms"
    And the merge owner undoes the merge
    Then the unmerge is refused naming contact_preference and record "portal/p-1"
    And record "e-1" belongs to the person of record "c-1"

  Scenario: Saying whose the late record is lets the unmerge through
    Given the merge owner merges the person of record "e-1" into the person of record "c-1" because "ehr_registration_duplicate"
    And the portal registers record "p-1" for Ana
    And record "p-1" sets contact_preference to "sms"
    When the merge owner undoes the merge saying record "p-1" belongs to the retired person
    Then record "p-1" belongs to the person of record "e-1"
    And the contact_preference of the person of record "e-1" is "sms"
