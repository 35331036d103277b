from __future__ import annotations

import pytest

from simulators._shared import (
    Client,
    ConfigurationError,
    Forbidden,
    KeyRing,
    Unauthenticated,
    require_role,
)


def _ring() -> KeyRing:
    return KeyRing([Client("admin", "admin", "k-admin"), Client("engine", "sync_engine", "k-eng")])


def test_a_bearer_key_identifies_its_client() -> None:
    client = _ring().authenticate("Bearer k-eng")

    assert (client.name, client.role) == ("engine", "sync_engine")


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, "missing Authorization"),
        ("", "missing Authorization"),
        ("Basic k-eng", "Bearer scheme"),
        ("Bearer ", "Bearer scheme"),
        ("Bearer k-unknown", "unknown API key"),
    ],
)
def test_requests_without_a_known_bearer_key_are_unauthenticated(
    header: str | None, problem: str
) -> None:
    with pytest.raises(Unauthenticated, match=problem) as caught:
        _ring().authenticate(header)

    assert caught.value.status == 401
    assert "k-unknown" not in caught.value.message


def test_keys_and_names_must_be_unique() -> None:
    ring = _ring()

    with pytest.raises(ConfigurationError, match="already taken"):
        ring.add(Client("other", "x", "k-eng"))
    with pytest.raises(ConfigurationError, match="used twice"):
        ring.add(Client("engine", "x", "k-new"))


def test_generated_keys_are_reproducible_with_a_seed_and_differ_per_client() -> None:
    roles = {"admin": "admin", "engine": "sync_engine"}

    first = KeyRing.generate(roles, seed=7).to_mapping()
    second = KeyRing.generate(roles, seed=7).to_mapping()

    assert first == second
    assert first["admin"]["key"] != first["engine"]["key"]


def test_a_key_file_mapping_round_trips() -> None:
    mapping = _ring().to_mapping()

    assert KeyRing.from_mapping(mapping).to_mapping() == mapping


def test_a_malformed_key_file_entry_names_the_client() -> None:
    with pytest.raises(ConfigurationError, match="'engine'"):
        KeyRing.from_mapping({"engine": {"role": "sync_engine"}})


def test_the_admin_is_found_by_role_and_repr_hides_keys() -> None:
    admin = _ring().admin()

    assert admin.name == "admin"
    assert "k-admin" not in repr(admin)
    with pytest.raises(ConfigurationError, match="no client with role 'admin'"):
        KeyRing([Client("engine", "sync_engine", "k")]).admin()


def test_require_role_forbids_other_roles() -> None:
    engine = _ring().by_name("engine")

    require_role(engine, "sync_engine", "admin")
    with pytest.raises(Forbidden, match="'engine' has role 'sync_engine'"):
        require_role(engine, "admin")
