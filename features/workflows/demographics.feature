Feature: Demographic edits flow from their owner, and only from their owner
  The EHR owns Ana's date of birth at every stage; growth ops own her phone while she is a lead.
  An owner's edit reaches the other systems; a non-owner's edit is refused and put back.

  Scenario: The EHR's correction of her date of birth reaches the CRM
    Given Ana has signed up in the portal
    And Ana is registered in the EHR
    When the EHR corrects Ana's date of birth to "1984-03-01"
    Then Ana's CRM record shows her date of birth as "1984-03-01"
    And the checker finds no anomaly

  Scenario: The CRM may not change the EHR-owned date of birth, and the engine puts it back
    Given Ana has signed up in the portal
    And Ana is registered in the EHR
    When growth ops changes Ana's date of birth in the CRM to "1990-01-01"
    Then Ana's CRM record shows her date of birth as "1984-02-29"
    And Ana's EHR record shows her date of birth as "1984-02-29"
    And the checker finds no anomaly

  Scenario: While Ana is a lead, growth ops' change of her phone reaches the portal
    Given Ana is a lead in the CRM
    And Ana has signed up in the portal
    When growth ops changes Ana's phone in the CRM to "+1-212-555-0199"
    Then Ana's portal record shows her phone as "+1-212-555-0199"
    And the checker finds no anomaly
