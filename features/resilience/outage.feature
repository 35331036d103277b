Feature: An outage of a target drains in order after it recovers
  The CRM is down for the engine while the EHR corrects Ana's date of birth three times. The
  engine keeps every change, backs off, and when the CRM is back sends them oldest first: the
  CRM ends with the last value, and never goes back to an older one.

  Scenario: A CRM outage drains in order with zero loss
    Given Ana has signed up in the portal
    And Ana is registered in the EHR
    And the CRM is down for the engine
    When the EHR corrects Ana's date of birth to "1984-03-01"
    And the EHR corrects Ana's date of birth to "1984-03-02"
    And the EHR corrects Ana's date of birth to "1984-03-03"
    And the CRM comes back after 0.5 seconds
    Then Ana's CRM record shows her date of birth as "1984-03-03"
    And every event the engine received reached a terminal state
    And the checker finds no anomaly
