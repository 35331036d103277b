Feature: A disclosure to the CRM is decided at the moment of disclosure
  The engine asks the decision point right before it sends data to the CRM, for the purpose of
  the integration path, on any channel: a revoke that lands between the change and its
  disclosure stops the disclosure.

  Scenario: A revoke between the change and its disclosure stops the disclosure
    Given Ana has consented to care coordination by sms
    When Ana revokes her consent to care coordination by sms
    And the engine is about to disclose her care coordination data to the CRM
    Then the disclosure is denied as revoked

  Scenario: A consent on another channel still allows the disclosure
    Given Ana has consented to care coordination by sms
    And Ana has consented to care coordination by email
    When Ana revokes her consent to care coordination by sms
    And the engine is about to disclose her care coordination data to the CRM
    Then the disclosure is permitted
