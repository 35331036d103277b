"""Turn a synthetic population into each simulator's seed records.

The EHR takes FHIR R4 resources (Patient, and Condition plus MedicationRequest for persons in
care), the CRM contacts, the portal accounts with their consents and preferences. Every record
keeps its population record id, so the ground truth names the records the simulators hold::

    seeds = population_seeds(people=100, seed=7)
    seeds.ehr[0]["resourceType"], seeds.crm[0]["id"], len(seeds.ground_truth)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from simulators.population import (
    PersonEntry,
    PopulationConfig,
    SystemRecord,
    entry_to_json,
    generate,
)
from simulators.population.export.fhir import condition, medication_request, patient

__all__ = [
    "PopulationSeeds",
    "crm_contact",
    "ehr_resources",
    "population_seeds",
    "portal_account",
    "seeds_of",
]


@dataclass
class PopulationSeeds:
    """Seed records per simulator, and the ground truth (one JSON object per person)."""

    ehr: list[dict[str, Any]] = field(default_factory=list)
    crm: list[dict[str, Any]] = field(default_factory=list)
    portal: list[dict[str, Any]] = field(default_factory=list)
    ground_truth: list[dict[str, Any]] = field(default_factory=list)

    def add(self, entry: PersonEntry) -> None:
        for record in entry.records:
            if record.system == "ehr":
                self.ehr.extend(ehr_resources(record))
            elif record.system == "crm":
                self.crm.append(crm_contact(record))
            elif record.system == "portal":
                self.portal.append(portal_account(record))
        self.ground_truth.append(entry_to_json(entry))


def population_seeds(
    people: int, seed: int, config: PopulationConfig | None = None
) -> PopulationSeeds:
    """Generate ``people`` persons with ``seed`` and convert every system record."""
    return seeds_of(generate(people, seed, config))


def seeds_of(entries: Iterable[PersonEntry]) -> PopulationSeeds:
    seeds = PopulationSeeds()
    for entry in entries:
        seeds.add(entry)
    return seeds


def ehr_resources(record: SystemRecord) -> list[dict[str, Any]]:
    """The EHR record as a Patient, plus its Condition and MedicationRequest if in care."""
    extra = (condition(record), medication_request(record))
    return [patient(record), *(resource for resource in extra if resource is not None)]


def _address(record: SystemRecord) -> dict[str, str] | None:
    a = record.address
    return (
        None
        if a is None
        else {"line": a.line, "city": a.city, "state": a.state, "postcode": a.postcode}
    )


def _present(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def crm_contact(record: SystemRecord) -> dict[str, Any]:
    """A CRM seed contact: demographics, pipeline stage, campaign and local marketing flags."""
    contact = _present(
        {
            "type": "contact",
            "id": record.record_id,
            "first_name": record.given,
            "last_name": record.family,
            "preferred_name": record.preferred_name,
            "email": record.email,
            "phone": record.phone,
            "birth_date": record.birth_date,
            "language": record.language,
            "address": _address(record),
        }
    )
    crm = record.crm
    if crm is not None:
        contact.update(
            stage=crm.stage_name,
            lead_source=crm.lead_source,
            campaign=crm.campaign,
            consents={"HMARKT": {"sms": crm.sms_opt_in, "email": crm.email_opt_in}},
        )
    return contact


def portal_account(record: SystemRecord) -> dict[str, Any]:
    """A portal seed account with its consent grants and contact preferences."""
    account = _present(
        {
            "id": record.record_id,
            "given_name": record.given,
            "family_name": record.family,
            "preferred_name": record.preferred_name,
            "email": record.email,
            "phone": record.phone,
            "birth_date": record.birth_date,
            "language": record.language,
            "address": _address(record),
        }
    )
    portal = record.portal
    if portal is not None:
        account["status"] = portal.visible_status
        granted = portal.consents.granted()
        account["consents"] = [{"purpose": p, "channel": c} for p, c in granted]
        account["preferences"] = {
            "preferred_channel": portal.preferred_channel,
            "contact_time": portal.contact_time,
        }
    return account
