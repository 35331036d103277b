Feature: When identity is uncertain, a person decides: the index never guesses
  Twins share a family name, a birthday, a phone and an address; a review-band match is only
  probable; a record that matches two persons says the two may be one. None of these links
  automatically: the record gets a person of its own and the pair goes to review.

  Background:
    Given person P1 has the EHR record "e-1": given "Ana", family "Okafor", born "1984-07-09", sex "female", phone "(212) 555-0142", email "ana.okafor@example.org", address "12 Main Street", postcode "62701"

  Scenario: A twin sharing phone and address is not linked to her sister
    When the EHR sends record "e-2": given "Ada", family "Okafor", born "1984-07-09", sex "female", phone "(212) 555-0142", email "ada.okafor@example.org", address "12 Main Street", postcode "62701"
    Then the record is filed under a new person
    And the decision band is medium
    And a merge review is due

  Scenario: A probable match goes to review instead of linking
    When the CRM sends record "c-1": given "Ana", family "Okafor", postcode "62701", email "a.okafor@example.com"
    Then the decision band is medium
    And the match grade is "probable"
    And a merge review is due
    And the record is filed under a new person

  Scenario: A record that matches two persons is queued and flags them as possible duplicates
    Given person P2 has the CRM record "c-9": given "Ana", family "Okafor", born "1984-07-09", phone "(212) 555-0142", email "ana.okafor@example.org"
    When the portal sends record "o-1": given "Ana", family "Okafor", born "1984-07-09", phone "212-555-0142", email "ana.okafor@example.org"
    Then the decision band is ambiguous
    And persons P1 and P2 are flagged as possible duplicates of each other
    And the record is filed under a new person

  Scenario: A placeholder identity is never auto-linked
    Given person P3 has the EHR record "e-3": given "Test", family "Patient", born "1900-01-01", phone "555-555-0100"
    When the CRM sends record "c-3": given "Test", family "Patient", born "1900-01-01", phone "555-555-0100"
    Then the decision band is ineligible
    And the record is filed under a new person
