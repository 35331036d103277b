Feature: A consent revoked in the portal stops the CRM's outreach
  The portal is the truth for consent. Ana's revocation becomes the CRM's own flag, so the
  CRM's outreach refuses to message her from then on.

  Background:
    Given Ana has signed up in the portal
    And Ana has consented to marketing by sms in the portal

  Scenario: After a revocation the CRM refuses to message her
    When the engine has caught up
    And Ana revokes her consent to marketing by sms in the portal
    And the engine has caught up
    And the CRM sends Ana a marketing message by sms
    Then the CRM refuses the message as consent_denied
    And Ana's CRM flag for marketing by sms is off
    And no marketing message went to Ana
    And the checker finds no anomaly
