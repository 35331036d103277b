Feature: A consent covers one purpose of use
  Purposes are HL7 v3 ActReason codes: marketing is HMARKT, care coordination is CAREMGT. Ana's
  "no more marketing" says nothing about the texts her care team sends her.

  Scenario: A revoke for marketing leaves care-coordination SMS allowed
    Given Ana has consented to marketing by sms
    And Ana has consented to care coordination by sms
    When Ana revokes her consent to marketing by sms
    Then a marketing message by sms is blocked as revoked
    And a care coordination message by sms is sent
    And the CRM's flag for care coordination by sms is on
    And the CRM's flag for marketing by sms is off

  Scenario: A consent for treatment does not allow marketing
    Given Ana has consented to treatment by sms
    Then a marketing message by sms is blocked as no_consent
