"""The world: mock EHR (FHIR R4 + HL7 v2 over MLLP), CRM and patient portal, with synthetic PHI.

This package never imports ``splitbrain`` (DESIGN §2): the world does not know the matrix.
"""
