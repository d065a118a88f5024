"""SyncLaunch: a launch for a user reaches that user's open windows (hub, NOTIFY, SSE)."""

from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from radlink.reports import sync
from radlink.runtime import Runtime
from tests.conftest import World
from tests.reports.helpers import LAUNCH


def _launch(client: TestClient, world: World, accession: str, *, sync_flag: bool) -> str:
    body = {
        "clinicalInfo": {"SiteID": "site-a", "Accession": accession},
        "reportingApp": {"SyncLaunch": sync_flag},
        "result": "link",
    }
    response = client.post(LAUNCH, json=body, headers=world.alice.headers)
    assert response.status_code == 200, response.text
    link: str = response.json()["reportLink"]
    return "/r/" + link.split("/r/", 1)[1]


async def _next_for(rt: Runtime, user_id: int, act: object, timeout: float = 3.0) -> str | None:
    hub = sync.hub_for(rt)
    assert sync.listener_ready(rt)
    sub = hub.subscribe(user_id)
    try:
        await asyncio.to_thread(act)  # type: ignore[arg-type]
        return await asyncio.wait_for(sub.queue.get(), timeout)
    except TimeoutError:
        return None
    finally:
        hub.unsubscribe(sub)


def test_a_synclaunch_reaches_the_owners_open_windows(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    holder: dict[str, str] = {}

    def act() -> None:
        holder["link"] = _launch(client, world, "ACC-S1", sync_flag=True)

    got = asyncio.run(_next_for(runtime, world.alice.user_id, act))
    assert got == holder["link"]


def test_without_synclaunch_nothing_is_sent_unless_the_user_asked_for_it(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    def plain() -> None:
        _launch(client, world, "ACC-S2", sync_flag=False)

    assert asyncio.run(_next_for(runtime, world.alice.user_id, plain, timeout=0.5)) is None

    from radlink.accounts import queries
    from radlink.db import write_tx

    with write_tx(runtime.engine) as conn:
        queries.set_sync_launch(conn, user_id=world.alice.user_id, sync_launch=True)
    assert asyncio.run(_next_for(runtime, world.alice.user_id, plain)) is not None


def test_other_users_windows_do_not_follow(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    def act() -> None:
        _launch(client, world, "ACC-S3", sync_flag=True)

    assert asyncio.run(_next_for(runtime, world.bob.user_id, act, timeout=0.5)) is None


def test_the_event_stream_needs_a_session(client: TestClient, world: World) -> None:
    assert client.get("/events/sync").status_code == 401


def test_the_hub_forgets_subscribers_that_leave(runtime: Runtime) -> None:
    async def run() -> int:
        hub = sync.Hub()
        sub = hub.subscribe(1)
        hub.dispatch(1, "/r/X")
        assert await sub.queue.get() == "/r/X"
        hub.unsubscribe(sub)
        return hub.count()

    assert asyncio.run(run()) == 0
