Feature: A 412 from a target makes the engine re-read and decide again
  Growth ops edit Ana's contact while the CRM's change event is slow to reach the engine, so the
  engine's next write names a version the contact no longer has. The CRM answers 412; the engine
  re-reads the contact, finds nothing newer of its own, and writes again on the fresh version.
  Both changes stand.

  Scenario: The CRM's 412 is re-read and re-decided; both edits stand
    Given Ana is a lead in the CRM
    And Ana has signed up in the portal
    And Ana is registered in the EHR
    And the CRM's change events reach the engine 2 seconds late
    When growth ops changes Ana's lead source in the CRM to "referral"
    And the EHR corrects Ana's date of birth to "1984-03-01"
    Then the CRM refused at least one engine write as stale
    And Ana's CRM record shows her date of birth as "1984-03-01"
    And Ana's CRM record shows her lead source as "referral"
    And the checker finds no anomaly
