from __future__ import annotations

import httpx
import pytest

from simulators._shared import serve
from tests.simulators.shared.conftest import ENGINE_KEY, auth, make_app, make_settings


@pytest.mark.e2e
def test_serve_runs_the_app_on_a_free_port_and_stops_it() -> None:
    app = make_app(make_settings())

    with serve(app) as base_url, httpx.Client(base_url=base_url, headers=auth(ENGINE_KEY)) as c:
        written = c.put("/notes/n1", json={"t": 1})
        read = c.get("/notes/n1")

    assert base_url.startswith("http://127.0.0.1:")
    assert written.status_code == 200
    assert read.json()["version"] == 1
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/notes/n1", headers=auth(ENGINE_KEY), timeout=1)
