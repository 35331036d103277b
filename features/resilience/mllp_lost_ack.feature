Feature: An ADT message whose ACK is lost is sent again and applied once
  The EHR feeds its patient changes to the engine as HL7 v2 ADT over MLLP (the engine registered
  itself as the EHR's ADT peer). When the engine's ACK is lost on the way back, the EHR cannot
  know the message arrived, so it sends the same message (the same MSH-10) again. The engine
  stored the first one before acknowledging it: the resend is the same event, applied once, and
  the CRM holds one contact, not two.

  Scenario: The ACK is lost and the EHR resends: one contact in the CRM
    Given the EHR's next ADT message to the engine loses its ACK
    When the registration desk sends Ana's registration to the EHR over ADT
    And the engine has caught up
    Then the EHR sent the engine 1 ADT message twice, as the same message
    And the CRM holds one contact for Ana's EHR chart
    And the engine created 1 contact in the CRM
    And the checker finds no anomaly
