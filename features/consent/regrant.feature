Feature: A grant after a revoke restores consent as a new version
  Nothing is overwritten: the grant, the revoke and the new grant are versions 1, 2 and 3 of one
  consent, and every decision cites the version it read.

  Scenario: Ana opts back in to marketing texts
    Given Ana has consented to marketing by sms
    And Ana has revoked her consent to marketing by sms
    When Ana consents to marketing by sms again
    Then a marketing message by sms is sent citing version 3 of her marketing consent by sms
    And the CRM's flag for marketing by sms is on
