"""One router per resource family, all under the FHIR base ``/fhir``."""
