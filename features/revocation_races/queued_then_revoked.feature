Feature: Consent is enforced at the moment of sending, not at enqueue
  A message remembers the consent version it was queued under, but that is a record, never a
  permission: the outreach worker asks the decision point again when it sends.

  Scenario: Outreach queued, then revoke, then send: blocked at send
    Given Ana has consented to marketing by sms
    And the campaign has queued a marketing message by sms for Ana
    When Ana revokes her consent to marketing by sms
    And the outreach worker sends the queued message
    Then the send is blocked as revoked
    And the message was queued under version 1 and blocked at version 2

  Scenario: Outreach queued, then the period ends, then send: blocked at send
    Given Ana has consented to marketing by sms for 1 days
    And the campaign has queued a marketing message by sms for Ana
    When 1 days have passed
    And the outreach worker sends the queued message
    Then the send is blocked as expired

  Scenario: Outreach queued while revoked, consent granted again, then send: sent
    Given Ana has revoked her consent to marketing by sms
    And the campaign has queued a marketing message by sms for Ana
    When Ana consents to marketing by sms again
    And the outreach worker sends the queued message
    Then the message is sent citing version 2 of her marketing consent by sms
