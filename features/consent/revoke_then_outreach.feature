Feature: A revoked consent stops outreach at once
  Consent is a live policy state, not a checkbox. When Ana revokes a purpose on a channel, every
  enforcement point denies from that moment: the engine's send point, its disclosure to the CRM,
  and the CRM's own campaign automation, whose local flag is turned off before the revoke returns.

  Background:
    Given Ana has consented to marketing by sms

  Scenario: Revoke, then outreach: the message is blocked
    When Ana revokes her consent to marketing by sms
    And the campaign sends Ana a marketing message by sms
    Then the send is blocked as revoked
    And the block cites version 2 of her marketing consent by sms
    And the CRM's flag for marketing by sms is off
    And the audit log records the send as deny

  Scenario: Outreach with the consent in force goes out, citing the consent it read
    When the campaign sends Ana a marketing message by sms
    Then the message is sent citing version 1 of her marketing consent by sms
    And the CRM's flag for marketing by sms is on
    And the audit log records the send as permit
