"""Properties of tokens and the vault (DESIGN §6).

- A token never equals or contains what it stands for, nor any 4-character run of it: the only
  runs a token may share with its value are in its public prefix ``tok_<domain>_<key id>_``.
- Keyed tokens are stable per key version; rotation keeps every issued token resolvable; a
  re-index is idempotent. A state machine checks the vault against a plain dict after each step.
- Random tokens never collide in a large sample.
"""

from __future__ import annotations

import random

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from splitbrain.engine.adapters.vault import Vault
from splitbrain.engine.domain.tokens import (
    RUN,
    Credential,
    Keyring,
    hmac_token,
    parse_token,
    random_token,
)
from tests.unit.vault.builders import KEY_1, RING, memory_vault

DOMAINS = st.sampled_from(["patient", "phone", "email", "mrn", "patient_identity"])
PHI_LIKE = st.one_of(
    st.text(min_size=1, max_size=60),
    st.from_regex(r"\+1[2-9]\d{2}5550[01]\d{2}", fullmatch=True),
    st.from_regex(r"[a-z]{3,12}\.[a-z]{3,12}@example\.(com|org|net)", fullmatch=True),
    st.from_regex(r"(19|20)\d\d-[01]\d-[0-3]\d", fullmatch=True),
    st.from_regex(r"SYN-\d{8}", fullmatch=True),
    st.from_regex(r"[A-Z][a-z]{2,10} [A-Z][a-z]{2,12}", fullmatch=True),
)
SECRETS = st.binary(min_size=32, max_size=32)


def _runs(value: str) -> set[str]:
    folded = value.casefold()
    return {folded[i : i + RUN] for i in range(len(folded) - RUN + 1)}


def _assert_reveals_nothing(token: str, value: str) -> None:
    parts = parse_token(token)
    prefix = token[: -len(parts.body)].casefold()
    assert token != value
    for run in _runs(value):
        assert run not in parts.body
        if run in token.casefold():
            event("a run of the value is in the public prefix")
            assert run in prefix
    if len(value) >= RUN and value.casefold() in token.casefold():
        assert value.casefold() in prefix


@given(domain=DOMAINS, value=PHI_LIKE, secret=SECRETS)
def test_a_keyed_token_never_carries_its_value(domain: str, value: str, secret: bytes) -> None:
    token = hmac_token(Keyring({"k1": secret}, "k1"), domain, value)

    _assert_reveals_nothing(token, value)


@given(domain=DOMAINS, value=PHI_LIKE, seed=st.integers(0, 2**32))
def test_a_random_token_never_carries_its_value(domain: str, value: str, seed: int) -> None:
    token = random_token(domain, value, random.Random(seed).randbytes)

    _assert_reveals_nothing(token, value)


@given(value=PHI_LIKE, secret=SECRETS)
def test_a_value_that_is_a_token_never_tokenizes_to_itself(value: str, secret: bytes) -> None:
    ring = Keyring({"k1": secret}, "k1")
    as_token = hmac_token(ring, "patient", value)

    assert hmac_token(ring, "patient", as_token) != as_token


@given(domain=DOMAINS, value=PHI_LIKE, second=SECRETS)
def test_keyed_tokens_are_stable_per_key_version(domain: str, value: str, second: bytes) -> None:
    rotated = RING.rotated(second)

    assert hmac_token(RING, domain, value) == hmac_token(RING, domain, value)
    assert hmac_token(rotated, domain, value, key_id="k1") == hmac_token(RING, domain, value)
    if second != KEY_1:
        assert hmac_token(rotated, domain, value) != hmac_token(RING, domain, value)


def test_random_tokens_never_collide_in_a_large_sample() -> None:
    entropy = random.Random(20260105).randbytes

    tokens = {random_token("outreach", "msg", entropy) for _ in range(100_000)}

    assert len(tokens) == 100_000


class VaultAgainstADict(RuleBasedStateMachine):
    """The vault against the simplest model: every issued token -> its value."""

    @initialize()
    def start(self) -> None:
        self.vault: Vault = memory_vault()
        self.issued: dict[str, str] = {}
        self.rotations = 0

    @rule(domain=DOMAINS, value=PHI_LIKE, correlate=st.booleans())
    def tokenize(self, domain: str, value: str, correlate: bool) -> None:
        token = self.vault.tokenize(domain, value, correlate=correlate)
        if correlate and self.rotations:
            event("keyed token issued after a rotation")
        assert token not in self.issued or self.issued[token] == value
        if correlate:
            assert self.vault.tokenize(domain, value) == token
        self.issued[token] = value

    @rule(secret=SECRETS)
    def rotate(self, secret: bytes) -> None:
        self.vault.rotate(secret)
        self.rotations += 1
        event("rotated")

    @rule()
    def reindex(self) -> None:
        first = self.vault.reindex()
        second = self.vault.reindex()
        if first.pairs:
            event("re-indexed older tokens")
        assert second.created == 0
        assert second.pairs == first.pairs
        for old, new in first.pairs:
            assert parse_token(new).key_id == self.vault.key_id
            self.issued[new] = self.issued[old]

    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        if not self.issued:
            return
        token = data.draw(st.sampled_from(sorted(self.issued)))
        scope = f"resolve:{parse_token(token).domain}"
        credential = Credential.of("svc", "care_coordinator", "engine", [scope])
        if parse_token(token).key_id not in {"rnd", self.vault.key_id}:
            event("resolved a token of an older key")
        assert self.vault.resolve(token, credential) == self.issued[token]

    @invariant()
    def the_vault_holds_exactly_what_each_issued_token_stands_for(self) -> None:
        for token, value in self.issued.items():
            entry = self.vault.store.get(token)
            assert entry is not None and entry.value == value


VaultAgainstADict.TestCase.settings = settings(
    VaultAgainstADict.TestCase.settings, max_examples=40, stateful_step_count=30
)
TestVaultAgainstADict = VaultAgainstADict.TestCase
