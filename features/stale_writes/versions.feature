Feature: Stale, retried and duplicated writes never overwrite newer data
  Every write carries the version its writer last saw and an idempotency key. A write based on an
  old version goes to the field's rule; a redelivery of a seen key changes nothing.

  Background:
    Given the ownership matrix "telehealth"

  Scenario: A stale write to an owner-authoritative field from its owner still needs a rule
    Given Ana is at stage in_care
    And the ehr has set her date_of_birth as provider
    And the ehr has set her date_of_birth as provider
    When the ehr sets her date_of_birth as provider without seeing the last change
    Then the write is escalated to clinical_ops

  Scenario: An older completion event delivered late is rejected as stale
    Given Ana is at stage in_care
    And the ehr has set her follow_up_completion as care_coordinator at 10:00
    When the ehr sets her follow_up_completion as care_coordinator at 09:30 without seeing the last change
    Then the write is rejected as stale
    And her follow_up_completion still holds the value written at 10:00

  Scenario: A redelivered write has no second effect
    Given Ana is at stage in_care
    And the ehr has set her medication_plan as provider
    When the same write is delivered again
    Then the write is a duplicate delivery
    And her medication_plan is at version 1

  Scenario: A reused idempotency key with a different value is refused
    Given Ana is at stage in_care
    And the ehr has set her medication_plan as provider
    When the ehr sends a different medication_plan under the same idempotency key
    Then the write is rejected as idempotency_key_reuse

  Scenario: A write claiming a version the field never had is invalid
    Given Ana is at stage in_care
    When the ehr sets her medication_plan as provider on version 7
    Then the write is rejected as invalid
