Feature: Only a field's owner, or a writer the matrix allows, may change it
  The ownership matrix names, for every field and stage, the system that owns the value and who
  else may write it. Any other write is refused as not_owner, and the value does not change.

  Background:
    Given the ownership matrix "telehealth"

  Scenario Outline: A write is judged by the matrix cell for its field and stage
    Given Ana is at stage <stage>
    When the <system> sets her <field> as <role>
    Then the write is <outcome>

    Examples: owners write their own fields
      | stage     | system | role             | field                | outcome  |
      | in_care   | ehr    | provider         | medication_plan      | applied  |
      | in_care   | ehr    | provider         | diagnosis            | applied  |
      | intake    | crm    | growth_ops       | legal_name           | applied  |
      | in_care   | ehr    | provider         | legal_name           | applied  |
      | lead      | crm    | growth_ops       | lead_source          | applied  |
      | in_care   | crm    | support          | contact_preference   | applied  |

    Examples: allowed secondary writers
      | stage     | system | role             | field                | outcome  |
      | in_care   | crm    | intake_ops       | legal_name           | applied  |
      | in_care   | portal | patient          | contact_preference   | applied  |
      | in_care   | ehr    | care_coordinator | follow_up_completion | applied  |

    Examples: everyone else is refused
      | stage     | system | role             | field                | outcome               |
      | in_care   | crm    | automation       | medication_plan      | rejected as not_owner |
      | in_care   | ehr    | care_coordinator | medication_plan      | rejected as not_owner |
      | in_care   | crm    | growth_ops       | legal_name           | rejected as not_owner |
      | in_care   | ehr    | provider         | lead_source          | rejected as not_owner |
      | in_care   | crm    | support          | date_of_birth        | rejected as not_owner |
      | in_care   | crm    | growth_ops       | diagnosis            | rejected as not_owner |
      | in_care   | portal | patient          | medication_plan      | rejected as not_owner |

  Scenario: A refused write leaves the owner's value in place
    Given Ana is at stage in_care
    And the ehr has set her medication_plan as provider
    When the crm sets her medication_plan as automation
    Then the write is rejected as not_owner
    And her medication_plan still holds the ehr's value

  Scenario Outline: Clinical ops may set only the clinical care stages
    Given Ana is at stage in_care
    When the crm sets her care_stage to "<stage>" as clinical_ops
    Then the write is <outcome>

    Examples:
      | stage      | outcome               |
      | discharged | applied               |
      | lead       | rejected as not_owner |
      | qualified  | rejected as not_owner |
