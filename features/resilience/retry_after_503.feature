Feature: A 503 from a target is retried and the change lands once
  The CRM fails the engine's first request with a 503. The engine backs off, tries again with
  the same idempotency key, and the contact is created once.

  Scenario: A CRM 503 mid-sync is retried; one contact, no double effect
    Given the CRM answers the engine's next request with 503
    When Ana signs up in the portal
    Then the CRM refused 1 of the engine's requests with 503
    And the CRM holds one contact for Ana
    And the checker finds no anomaly
