"""SyncLaunch across two `radlink serve` processes sharing PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

from radlink.db import make_engine
from tests.browser.embed_servers import Persona, launch, radlink_serve, seed
from tests.conftest import PG_ADMIN_URL, REQUIRE_POSTGRES

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, str, dict[str, Persona]]]:
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        admin.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but unreachable: {exc}")
        pytest.skip("PostgreSQL not reachable")
    name = f"radlink_sync_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        people = seed(url)
        data = tmp_path_factory.mktemp("pg-sync")
        with radlink_serve(data, url) as one, radlink_serve(data, url) as two:
            yield one, two, people
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_launch_through_one_process_switches_a_window_served_by_another(
    context: Any, pg_servers: tuple[str, str, dict[str, Persona]]
) -> None:
    one, two, people = pg_servers
    alice = people["alice"]
    first = launch(one, alice.token, "PG-SYNC-1")
    page = context.new_page()
    page.goto(first)
    page.fill("input[name=email]", alice.email)
    page.fill("input[name=password]", alice.password)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-editor]")
    page.wait_for_timeout(500)  # EventSource connected, LISTEN in place
    second = launch(two, alice.token, "PG-SYNC-2", reportingApp={"SyncLaunch": True})
    # The link names server two's base; the window stays on server one, same path.
    path = second.split("/r/", 1)[1]
    page.wait_for_url(f"{one}/r/{path}", timeout=3000)
