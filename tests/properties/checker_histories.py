"""Clean histories from a small model of the world, and a planter for every anomaly code.

The model: a few persons, each with an EHR patient, a CRM contact and a portal account (some
without a contact, some with a duplicate chart), and a correct engine. Its steps are stories
that leave the world consistent: a provider changes a birth date and the engine copies it to
the CRM; a CRM user edits a phone with If-Match; the patient revokes or grants a consent and
the engine flips the CRM flag; a CRM user picks a contact preference and the engine, told of
it, writes the custom map without If-Match; the campaign sends only what consent allows; a send
whose reply is lost (unknown, or committed: ``crash_after_commit``, its retry answered from the
key) is retried; webhooks are retried until accepted; the merge owner merges a duplicate chart; the
engine creates the first contact of a person (at once, or one field per request behind a
token); every engine change carries an idempotency key its audit answers.

Some planters have several ways to break their rule (a lost contact preference in the CRM's
``custom`` map, an enum whose values repeat; a double effect after a committed ``info``; the plan
nested in the CRM's ``custom`` map; a duplicate contact that gets its
identity one field per request, or carries the person's token).

A planter adds one story that breaks exactly one rule, for one person the clean steps leave
alone afterwards, so nothing later repairs it::

    history = generate(seed=3, plant=AnomalyCode.STALE_OVERWRITE)
    verdict = history.check()
    assert verdict.codes() == {AnomalyCode.STALE_OVERWRITE}
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from splitbrain.harness.checker import AnomalyCode, Verdict
from tests.unit.checker.scenario import Scenario, audit_for

PURPOSES = ("HMARKT:sms", "HMARKT:email")
ROLES = {"crm-user": "growth_ops", "provider": "provider", "merge_owner": "merge_owner"}


@dataclass
class Model:
    rng: random.Random
    s: Scenario = field(default_factory=Scenario)
    persons: int = 0
    contact: dict[int, bool] = field(default_factory=dict)
    duplicate_chart: dict[int, bool] = field(default_factory=dict)
    revoked: set[tuple[int, str]] = field(default_factory=set)
    reserved: set[int] = field(default_factory=set)
    unaudited: set[str] = field(default_factory=set)
    tamper: int | None = None
    serial: int = 0
    identity: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    """Person -> (given name, family name, email) as seeded."""
    birth: dict[int, str] = field(default_factory=dict)
    """Person -> the birth date the EHR holds now."""

    def unique(self, what: str) -> str:
        self.serial += 1
        return f"{what}-{self.serial:05d}"

    def dob(self) -> str:
        self.serial += 1
        n = self.serial
        return f"19{n // 365 % 100:02d}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"

    def free(self, *, contact: bool = True) -> int | None:
        choices = [
            i
            for i in range(self.persons)
            if i not in self.reserved and (self.contact[i] or not contact)
        ]
        return self.rng.choice(choices) if choices else None

    def check(self, workers: int = 0) -> Verdict:
        keys = [k for k in self.s.sut_keys if k not in self.unaudited]
        audit = audit_for(keys, tamper_at=self.tamper)
        return self.s.check(audit=audit, roles=ROLES, workers=workers)


@dataclass
class History:
    model: Model
    planted: AnomalyCode | None

    def check(self, workers: int = 0) -> Verdict:
        """The verdict; ``workers=1`` reads the histories in a worker process."""
        return self.model.check(workers)


# -- the world at the start --------------------------------------------------------------------


def _seed(m: Model) -> None:
    s = m.s
    for i in range(m.persons):
        given, family = m.unique("Given"), m.unique("Family")
        email, dob = f"{m.unique('mail')}@example.org", m.dob()
        m.identity[i] = (given, family, email)
        m.birth[i] = dob
        plan = f"semaglutide {i} mg weekly [CANARY-{i:012x}]"
        records: dict[str, str | tuple[str, ...]] = {"ehr": f"p{i}", "portal": f"a{i}"}
        if m.duplicate_chart[i]:
            records["ehr"] = (f"p{i}", f"p{i}b")
        if m.contact[i]:
            records["crm"] = f"c{i}"
        s.person(f"gt_{i}", records, clinical={"medication_plan": plan})
        chart = {"birthDate": dob, "name": [{"family": family, "given": [given]}]}
        s.create("ehr", f"p{i}", chart)
        if m.duplicate_chart[i]:
            s.create("ehr", f"p{i}b", chart)
        s.create("portal", f"a{i}", {"given_name": given, "family_name": family, "email": email})
        if m.contact[i]:
            crm = {"first_name": given, "last_name": family, "email": email, "birth_date": dob}
            s.create("crm", f"c{i}", {**crm, "phone": m.unique("+1555")})


# -- clean stories -----------------------------------------------------------------------------


def _version(m: Model, system: str, rid: str) -> int:
    prefix = {"ehr": "Patient", "crm": "Contact", "portal": "Account"}[system]
    return m.s.versions[(system, f"{prefix}/{rid}")]


def dob_change(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    dob = m.birth[i] = m.dob()
    m.s.write(
        "ehr", f"p{i}", {"birthDate": dob}, process="provider", base=_version(m, "ehr", f"p{i}")
    )
    m.s.write("crm", f"c{i}", {"birth_date": dob}, base=_version(m, "crm", f"c{i}"))


def phone_edit(m: Model) -> None:
    i = m.free()
    if i is not None:
        phone = m.unique("+1555")
        m.s.write(
            "crm", f"c{i}", {"phone": phone}, process="crm-user", base=_version(m, "crm", f"c{i}")
        )


def engine_read(m: Model) -> None:
    i = m.free()
    if i is not None:
        m.s.read("crm", f"c{i}")


def consent_change(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    pc = m.rng.choice(PURPOSES)
    revoke = (i, pc) not in m.revoked
    m.s.consent("consent.revoke" if revoke else "consent.grant", f"a{i}", pc)
    (m.revoked.add if revoke else m.revoked.discard)((i, pc))
    m.s.flag(f"c{i}", pc, not revoke, base=_version(m, "crm", f"c{i}"))


def campaign_send(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    pc = m.rng.choice(PURPOSES)
    if (i, pc) in m.revoked:
        m.s.send(f"c{i}", pc, result="fail", outcome="consent_denied")
    else:
        m.s.send(f"c{i}", pc)


def retried_send(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    key = m.s.sut_key()
    if m.rng.random() < 0.3:  # committed, reply lost; the retry is answered from the key
        m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=1, result="info",
                 outcome="crash_after_commit")  # fmt: skip
        return
    m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=1, result="info")
    m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=2)


def webhook(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    event = m.unique("evt")
    if m.rng.random() < 0.5:
        m.s.notify("crm", f"Contact/c{i}", event, attempt=1, result="fail", outcome="http_503")
        m.s.notify("crm", f"Contact/c{i}", event, attempt=2)
    else:
        m.s.notify("crm", f"Contact/c{i}", event, attempt=1)


def preference_told(m: Model) -> None:
    """A CRM user picks a contact preference; the engine is told, then writes the contact's
    custom map without If-Match (a worker that never read the contact): it saw the change."""
    i = m.free()
    if i is None:
        return
    choice = m.rng.choice(("Call", "Email", "Text"))
    m.s.write("crm", f"c{i}", {"custom": {"contact_preference": choice}}, process="crm-user",
              base=_version(m, "crm", f"c{i}"))  # fmt: skip
    m.s.notify("crm", f"Contact/c{i}", m.unique("evt"))
    merged = {"contact_preference": choice, "workflow_state": "synced"}
    m.s.write("crm", f"c{i}", {"custom": merged}, process=m.unique("engine-worker"),
              idem=m.s.sut_key())  # fmt: skip


def merge_duplicate_chart(m: Model) -> None:
    i = next((i for i, dup in m.duplicate_chart.items() if dup and i not in m.reserved), None)
    if i is not None:
        m.s.merge(f"p{i}b", f"p{i}")
        m.duplicate_chart[i] = False


def first_contact(m: Model) -> None:
    i = next((i for i in range(m.persons) if not m.contact[i] and i not in m.reserved), None)
    if i is None:
        return
    given, family, email = m.identity[i]
    fields = {"first_name": given, "last_name": family, "email": email, "birth_date": m.birth[i]}
    m.contact[i] = True
    if m.rng.random() < 0.5:
        m.s.create("crm", f"c{i}", fields, process="engine", idem=m.s.sut_key())
        return
    # one field per request, as an engine delivers them: a token first, then each value
    m.s.create("crm", f"c{i}", {"birth_date": m.birth[i], "patient_ref": f"tok_{i}"},
               process="engine", idem=m.s.sut_key())  # fmt: skip
    for name in ("first_name", "last_name", "email"):
        m.s.write("crm", f"c{i}", {name: fields[name]}, base=_version(m, "crm", f"c{i}"))


def summary_note(m: Model) -> None:
    i = m.free()
    if i is None:
        return
    m.s.write(
        "crm",
        f"c{i}",
        {"preferred_name": m.unique("GLP-1 summary")},
        base=_version(m, "crm", f"c{i}"),
    )
    m.s.write(
        "ehr", f"p{i}", {"note": _plan(m, i)}, process="provider", base=_version(m, "ehr", f"p{i}")
    )


CLEAN_STEPS: tuple[Callable[[Model], None], ...] = (
    dob_change,
    phone_edit,
    engine_read,
    consent_change,
    campaign_send,
    retried_send,
    webhook,
    preference_told,
    merge_duplicate_chart,
    first_contact,
    summary_note,
)


def _plan(m: Model, i: int) -> str:
    person = next(p for p in m.s.people if p["gt_id"] == f"gt_{i}")
    return str(person["clinical"]["medication_plan"])


# -- planters: one story that breaks one rule --------------------------------------------------


def plant_lost_update(m: Model, i: int) -> None:
    if m.rng.random() < 0.5:
        m.s.read("crm", f"c{i}")
        m.s.write(
            "crm",
            f"c{i}",
            {"phone": m.unique("+1555")},
            process="crm-user",
            base=_version(m, "crm", f"c{i}"),
        )
        m.s.write("crm", f"c{i}", {"phone": m.unique("+1555")})  # blind, over an unseen change
        return
    # CC-13's shape: an enum value (values repeat, only versions can tell) in the custom map;
    # the engine, which never read the contact, writes its own before it is told of the change
    m.s.write("crm", f"c{i}", {"custom": {"contact_preference": "Call"}}, process="crm-user",
              base=_version(m, "crm", f"c{i}"))  # fmt: skip
    event = m.unique("evt")
    m.s.sut_keys.append(event)
    told = m.s.pending("crm", "engine", "notify", f"Contact/c{i}", idem=event)
    m.s.write("crm", f"c{i}", {"custom": {"contact_preference": "Text"}})
    m.s.histories["crm"].ok(told, outcome="ok")


def plant_stale_overwrite(m: Model, i: int) -> None:
    older, newer = m.dob(), m.dob()
    for dob in (older, newer):
        m.s.write(
            "ehr", f"p{i}", {"birthDate": dob}, process="provider", base=_version(m, "ehr", f"p{i}")
        )
    for dob in (newer, older, newer):  # the older one arrives late; a retry repairs the end state
        m.s.write("crm", f"c{i}", {"birth_date": dob}, base=_version(m, "crm", f"c{i}"))


def plant_non_owner_write(m: Model, i: int) -> None:
    dob = m.dob()
    m.s.write(
        "crm", f"c{i}", {"birth_date": dob}, process="crm-user", base=_version(m, "crm", f"c{i}")
    )
    m.s.write("ehr", f"p{i}", {"birthDate": dob}, base=_version(m, "ehr", f"p{i}"))


def plant_duplicate_person(m: Model, i: int) -> None:
    given, family, email = m.identity[i]
    fields = {"first_name": given, "last_name": family, "email": email}
    way = m.rng.randrange(3)
    if way == 0:
        m.s.create("crm", f"c{i}x", fields, process="engine", idem=m.s.sut_key())
    elif way == 1:  # one identity value per request: together they name the person
        m.s.create("crm", f"c{i}x", {"first_name": given}, process="engine", idem=m.s.sut_key())
        m.s.write("crm", f"c{i}x", {"email": email}, base=_version(m, "crm", f"c{i}x"))
    else:  # the engine's token of the person's contact, on a second contact
        m.s.write("crm", f"c{i}", {"patient_ref": f"tok_{i}"}, base=_version(m, "crm", f"c{i}"))
        m.s.create("crm", f"c{i}x", {"patient_ref": f"tok_{i}"}, process="engine",
                   idem=m.s.sut_key())  # fmt: skip


def plant_wrong_merge(m: Model, i: int) -> None:
    j = next(j for j in range(m.persons) if j != i and j not in m.reserved)
    m.reserved.add(j)
    if m.duplicate_chart[j]:  # merge the duplicate chart first: no stale chart stays behind
        m.s.merge(f"p{j}b", f"p{j}")
        m.duplicate_chart[j] = False
    m.s.merge(f"p{j}", f"p{i}")


def plant_divergence(m: Model, i: int) -> None:
    m.s.write(
        "ehr", f"p{i}", {"birthDate": m.dob()}, process="provider", base=_version(m, "ehr", f"p{i}")
    )


def plant_message_after_revocation(m: Model, i: int) -> None:
    pc = m.rng.choice(PURPOSES)
    if (i, pc) in m.revoked:
        m.s.consent("consent.grant", f"a{i}", pc)
    m.s.consent("consent.revoke", f"a{i}", pc)
    m.s.send(f"c{i}", pc)  # the engine never told the CRM


def plant_phi_leak(m: Model, i: int) -> None:
    leaked: dict[str, object] = {"preferred_name": _plan(m, i)}
    if m.rng.random() < 0.5:  # nested: the merge patch of one custom key
        leaked = {"custom": {"medication_plan": _plan(m, i)}}
    m.s.write("crm", f"c{i}", leaked, base=_version(m, "crm", f"c{i}"))


def plant_double_effect(m: Model, i: int) -> None:
    key = m.s.sut_key()
    if m.rng.random() < 0.5:
        m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=1)
    else:  # the first try committed and its reply was lost: the history knows it happened
        m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=1, result="info",
                 outcome="crash_after_commit")  # fmt: skip
    m.s.send(f"c{i}", "TREAT:sms", process="engine", idem=key, attempt=2)


def plant_lost_event(m: Model, i: int) -> None:
    event = m.unique("evt")
    for attempt in (1, 2, 3):
        m.s.notify(
            "crm", f"Contact/c{i}", event, attempt=attempt, result="fail", outcome="http_503"
        )


def plant_missing_audit(m: Model, i: int) -> None:
    m.s.write("crm", f"c{i}", {"phone": m.unique("+1555")}, base=_version(m, "crm", f"c{i}"))
    m.unaudited.add(m.s.sut_keys[-1])


def plant_broken_chain(m: Model, i: int) -> None:
    m.tamper = -1  # resolved to a real position once every key is known


PLANTERS: dict[AnomalyCode, Callable[[Model, int], None]] = {
    AnomalyCode.LOST_UPDATE: plant_lost_update,
    AnomalyCode.STALE_OVERWRITE: plant_stale_overwrite,
    AnomalyCode.NON_OWNER_WRITE: plant_non_owner_write,
    AnomalyCode.DUPLICATE_PERSON: plant_duplicate_person,
    AnomalyCode.WRONG_MERGE: plant_wrong_merge,
    AnomalyCode.DIVERGENCE: plant_divergence,
    AnomalyCode.MESSAGE_AFTER_REVOCATION: plant_message_after_revocation,
    AnomalyCode.PHI_LEAK: plant_phi_leak,
    AnomalyCode.DOUBLE_EFFECT: plant_double_effect,
    AnomalyCode.LOST_EVENT: plant_lost_event,
    AnomalyCode.MISSING_AUDIT: plant_missing_audit,
    AnomalyCode.BROKEN_CHAIN: plant_broken_chain,
}


def generate(seed: int, plant: AnomalyCode | None = None, steps: int = 24) -> History:
    """A clean history of ``steps`` stories, with one planted anomaly at a random step."""
    rng = random.Random(seed)
    m = Model(rng, persons=rng.randint(3, 5))
    for i in range(m.persons):
        m.contact[i] = rng.random() < 0.8 or i == 0
        m.duplicate_chart[i] = rng.random() < 0.3
    _seed(m)
    at = rng.randrange(steps + 1)
    for step in range(steps + 1):
        if step == at and plant is not None:
            victim = m.free()
            assert victim is not None
            m.reserved.add(victim)
            PLANTERS[plant](m, victim)
        if step < steps:
            rng.choice(CLEAN_STEPS)(m)
    if m.tamper is not None:
        m.tamper = rng.randrange(len(m.s.sut_keys))
    return History(m, plant)
