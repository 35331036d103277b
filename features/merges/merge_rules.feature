Feature: Only the merge owner merges, and always says why
  Merging two patients is a clinical-safety decision. Only the merge_owner role may do it, and
  only with a reason from the merge taxonomy. A refused merge changes nothing and is audited.

  Background:
    Given the CRM registers record "c-1" for Ana
    And the portal registers record "p-1" for Ana under another identifier and phone

  Scenario Outline: A merge is refused unless the merge owner gives a reason from the taxonomy
    When <role> merges the person of record "p-1" into the person of record "c-1" <because>
    Then the merge is refused as <refusal>
    And record "p-1" belongs to a different person than record "c-1"
    And the audit log records the refused merge as <refusal>

    Examples:
      | role        | because                                      | refusal         |
      | growth_ops  | because "duplicate_intake"                   | not_merge_owner |
      | support     | because "portal_self_registration_duplicate" | not_merge_owner |
      | merge_owner | without a reason                             | reason_required |
      | merge_owner | because "they look alike"                    | unknown_reason  |

  Scenario: Old references to the retired id keep resolving, through every later merge
    Given the EHR registers record "e-1" for Ana under another identifier and phone
    And the merge owner merges the person of record "p-1" into the person of record "e-1" because "portal_self_registration_duplicate"
    When the merge owner merges the person of record "e-1" into the person of record "c-1" because "ehr_registration_duplicate"
    Then the first id of record "p-1" resolves to the person of record "c-1"
    And the first id of record "e-1" resolves to the person of record "c-1"
