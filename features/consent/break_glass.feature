Feature: Break-glass access is permitted and always flagged in the audit log
  Emergency treatment (ETREAT) and break the glass (BTG) are permitted without a consent, even
  against a revocation, and the audit entry of every such decision carries the break-glass flag.
  A purpose the engine does not know is denied.

  Scenario: An emergency clinician breaks the glass
    Given Ana has revoked her consent to emergency treatment by phone
    When a provider asks for Ana's record for emergency treatment by phone
    Then the decision is permit for break_glass
    And the audit log flags the decision as break-glass

  Scenario: An ordinary request is not flagged
    Given Ana has consented to treatment by portal
    When a provider asks for Ana's record for treatment by portal
    Then the decision is permit for consent_active
    And the audit log does not flag the decision as break-glass

  Scenario: An unknown purpose is denied
    When a provider asks for Ana's record for PROMO by sms
    Then the decision is deny for unknown_purpose
