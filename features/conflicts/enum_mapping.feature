Feature: Status values travel through mapping tables, never as free text
  Each system keeps its own status names. The matrix maps them to canonical values; a value with
  no mapping is refused and the message names the table to extend.

  Background:
    Given the ownership matrix "telehealth"

  Scenario Outline: The CRM's pipeline names map to canonical stages
    Given Ana is at stage lead
    When the crm sets her care_stage to "<crm stage>" as growth_ops
    Then the write is applied
    And her care_stage is "<canonical>"

    Examples:
      | crm stage                  | canonical  |
      | Intake Started             | intake     |
      | Qualified - Awaiting Visit | qualified  |
      | Active Patient             | in_care    |
      | Closed - Program Complete  | discharged |

  Scenario: A pipeline stage with no mapping is refused
    Given Ana is at stage lead
    When the crm sets her care_stage to "Nurture Drip" as growth_ops
    Then the write is rejected as unmapped_enum_value
    And the explanation names the table "care_stage"
