Feature: A consent ends at the end of its period
  The decision point reads the clock at request time: a consent is in force from the start of its
  period up to, but not including, its end. The expiry job, driven by the clock, records the
  expiry and turns the CRM's flag off.

  Background:
    Given Ana has consented to marketing by sms for 30 days

  Scenario: A minute before the end, the message goes out
    When 30 days less 1 minute have passed
    Then a marketing message by sms is sent

  Scenario: At the end of the period the message is blocked, even before the expiry job runs
    When 30 days have passed
    Then a marketing message by sms is blocked as expired

  Scenario: The expiry job records the expiry and turns the CRM's flag off
    When 30 days have passed
    And the expiry job runs
    Then her marketing consent by sms is expired at version 2
    And the CRM's flag for marketing by sms is off
