Feature: Opting out of one channel leaves the other channels as they are
  A consent is per person, purpose and channel. Ana can stop marketing texts and keep marketing
  email; an opt-out on a channel she never granted is recorded as an explicit opt-out.

  Scenario: Ana stops marketing texts but keeps marketing email
    Given Ana has consented to marketing by sms
    And Ana has consented to marketing by email
    When Ana revokes her consent to marketing by sms
    Then a marketing message by sms is blocked as revoked
    And a marketing message by email is sent
    And the CRM's flag for marketing by email is on

  Scenario: An opt-out on a channel never granted is recorded
    When Ana revokes her consent to marketing by phone
    Then her marketing consent by phone is revoked at version 1
    And a marketing message by phone is blocked as revoked
