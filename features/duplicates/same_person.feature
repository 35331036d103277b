Feature: A patient the index already knows is recognised when another system sends her again
  Before a person is created, the identity index looks the record up by its blocking keys and
  scores each candidate. A high score links the record to the existing person: no duplicate.
  Every decision explains itself, comparison by comparison.

  Background:
    Given person P1 has the EHR record "e-1": given "Ana", family "Okafor", born "1984-07-09", sex "female", phone "(212) 555-0142", email "ana.okafor@example.org", address "12 Main Street", postcode "62701", identifier "900-12-3456"

  Scenario: The same canonical id links even when the name was written differently
    When the CRM sends record "c-1": given "Anna", family "Okafor Reyes", born "1984-07-09", identifier "900123456"
    Then the record links to person P1
    And the explanation shows identifier at level exact
    And the match grade is "certain"

  Scenario Outline: Phone numbers written in another format are the same number
    When the portal sends record "o-1": given "Ana", family "Okafor", phone "<written>"
    Then the record links to person P1
    And the explanation shows phone at level exact

    Examples:
      | written           |
      | 212.555.0142      |
      | +1 212 555 0142   |
      | 1 (212) 555-0142  |
      | 2125550142        |

  Scenario: A nickname and a typo in the family name still find her
    Given person P2 has the EHR record "e-2": given "Robert", family "Lindqvist", born "1971-02-14", phone "(312) 555-0188", email "robert.lindqvist@example.net"
    When the CRM sends record "c-2": given "Bob", family "Lindqvsit", born "02/14/1971", phone "312-555-0188"
    Then the record links to person P2
    And the explanation shows given at level nickname
    And the explanation shows family at level jw>=0.92

  Scenario: A married-name change keeps the person
    When the portal sends record "o-2": given "Ana", family "Reyes", born "1984-07-09", sex "female", phone "+12125550142", email "Ana.Okafor@Example.org"
    Then the record links to person P1
    And the explanation shows family at level else
    And the explanation shows email at level exact
