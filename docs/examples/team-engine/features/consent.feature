@sync
Feature: Our engine carries a revocation to the CRM
  The patient decides in the portal; our engine makes the CRM's own flag follow.

  Scenario: A revoked sms consent turns the CRM flag off
    Given Ana has signed up in the portal
    And Ana has consented to marketing by sms in the portal
    When the engine has caught up
    And Ana revokes her consent to marketing by sms in the portal
    And the engine has caught up
    Then Ana's CRM flag for marketing by sms is off
    And the checker finds no anomaly
