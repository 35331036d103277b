Feature: When two writes disagree, the field's conflict rule decides, never the last write
  A stale write (the writer did not see the current value) goes to the row's conflict rule. The
  rule applies it, rejects it as stale, or escalates it to the escalation owner with a due time.

  Background:
    Given the ownership matrix "telehealth"

  Scenario: A provider's verified name overrides a concurrent intake edit
    Given Ana is at stage in_care
    And the ehr has set her legal_name as provider
    And the crm has set her legal_name as intake_ops
    When the ehr sets her legal_name as provider without seeing the last change
    Then the write is applied
    And the rule was provider_verified_overrides

  Scenario: An intake edit never replaces a provider-verified name it did not see
    Given Ana is at stage in_care
    And the crm has set her legal_name as intake_ops
    And the ehr has set her legal_name as provider
    When the crm sets her legal_name as intake_ops without seeing the last change
    Then the write is rejected as stale

  Scenario: Two CRM staff editing the legal name at once escalate to clinical ops
    Given Ana is at stage intake
    And the crm has set her legal_name as support
    And the crm has set her legal_name as intake_ops
    When the crm sets her legal_name as support without seeing the last change
    Then the write is escalated to clinical_ops
    And the conflict is due within 4 hours

  Scenario Outline: The patient's own contact preference wins in either arrival order
    Given Ana is at stage in_care
    And the <first> has set her contact_preference as <first_role>
    When the <second> sets her contact_preference as <second_role> without seeing the last change
    Then the write is <outcome>
    And her contact_preference holds the portal's value

    Examples:
      | first  | first_role | second | second_role | outcome           |
      | crm    | support    | portal | patient     | applied           |
      | portal | patient    | crm    | support     | rejected as stale |

  Scenario: Two blind writes with equal standing at the same instant escalate
    Given Ana is at stage in_care
    And the crm has set her contact_preference as support at 12:00
    When the portal sets her contact_preference as patient at 12:00 without a version
    Then the write is escalated to support_lead

  Scenario: A manual edit of a critical field needs a reason
    Given Ana is at stage in_care
    And the ehr has set her medication_plan as provider
    When the ehr edits her medication_plan by hand as provider without a reason
    Then the write is rejected as override_reason_required
    When the ehr edits her medication_plan by hand as provider with the reason "dose review"
    Then the write is applied
