from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from simulators.portal import create_app
from tests.simulators.crm.support import Rig, make_settings


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    settings = make_settings()
    rig = Rig(settings, create_app(settings), base_url="http://portal")
    yield rig
    await rig.aclose()
    await rig.app.state.runtime.webhooks.aclose()
