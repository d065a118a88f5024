"""Identical launches and link openings racing in threads, each with its own engine (as separate
processes would have), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select

from radlink.db import make_engine
from radlink.reports import service
from radlink.reports.request import parse_launch
from radlink.reports.tables import launches, reports
from radlink.runtime import Runtime
from tests.conftest import World
from tests.reports.helpers import simple_body

RACERS = 8


def _race(db_url: str, work: Callable[[Engine], Any]) -> list[Any]:
    barrier = threading.Barrier(RACERS)
    results: list[Any] = [None] * RACERS

    def run(i: int) -> None:
        engine = make_engine(db_url)
        try:
            barrier.wait()
            results[i] = work(engine)
        except Exception as exc:
            results[i] = exc
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(select(func.count()).select_from(reports)).scalar_one(),
            conn.execute(select(func.count()).select_from(launches)).scalar_one(),
        )


def _site_id(engine: Engine) -> int:
    from radlink.sites.tables import sites

    with engine.connect() as conn:
        return int(
            conn.execute(select(sites.c.id).where(sites.c.site_key == "site-a")).scalar_one()
        )


def test_concurrent_identical_launches_make_one_report_and_one_link(
    db_url: str, runtime: Runtime, world: World
) -> None:
    site_id = _site_id(runtime.engine)
    request = parse_launch(simple_body("RACE-1", Modality="CT"))
    actor = service.Actor(world.alice.user_id, world.alice.name, world.alice.email)
    results = _race(
        db_url,
        lambda engine: service.launch(
            engine, runtime.sealer, site_id=site_id, actor=actor, request=request
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.launch_id for r in results}) == 1
    assert {r.status for r in results} == {"Draft"}
    assert _counts(runtime.engine) == (1, 1)


def test_concurrent_lazy_launches_make_one_link_and_no_report(
    db_url: str, runtime: Runtime, world: World
) -> None:
    site_id = _site_id(runtime.engine)
    body = simple_body("RACE-2")
    body["lazyLaunch"] = True
    request = parse_launch(body)
    actor = service.Actor(world.alice.user_id, world.alice.name, world.alice.email)
    results = _race(
        db_url,
        lambda engine: service.launch(
            engine, runtime.sealer, site_id=site_id, actor=actor, request=request
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.launch_id for r in results}) == 1
    assert _counts(runtime.engine) == (0, 1)


def test_open_launch_race_creates_exactly_one_report(
    db_url: str, runtime: Runtime, world: World
) -> None:
    site_id = _site_id(runtime.engine)
    body = simple_body("RACE-3", KeyFindings="pending findings")
    body["lazyLaunch"] = True
    actor = service.Actor(world.alice.user_id, world.alice.name, world.alice.email)
    pending = service.launch(
        runtime.engine, runtime.sealer, site_id=site_id, actor=actor, request=parse_launch(body)
    )
    openers = [world.alice.user_id, world.bob.user_id] * (RACERS // 2)
    counter = iter(range(RACERS))
    lock = threading.Lock()

    def open_it(engine: Engine) -> service.LaunchState:
        with lock:
            user_id = openers[next(counter)]
        return service.open_launch(
            engine, runtime.sealer, launch_id=pending.launch_id, user_id=user_id
        )

    results = _race(db_url, open_it)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len({r.report_id for r in results}) == 1
    assert len({r.owner_email for r in results}) == 1  # every opener sees the same owner
    assert _counts(runtime.engine) == (1, 1)
    with runtime.engine.connect() as conn:
        row = conn.execute(select(reports.c.findings, reports.c.status)).one()
    assert tuple(row) == ("pending findings", "Draft")


def test_open_launch_refuses_non_members_and_unknown_ids(runtime: Runtime, world: World) -> None:
    import pytest

    from radlink.errors import Forbidden, NotFound

    site_id = _site_id(runtime.engine)
    body = simple_body("OPEN-1")
    body["lazyLaunch"] = True
    actor = service.Actor(world.alice.user_id, world.alice.name, world.alice.email)
    pending = service.launch(
        runtime.engine, runtime.sealer, site_id=site_id, actor=actor, request=parse_launch(body)
    )
    with pytest.raises(Forbidden):
        service.open_launch(
            runtime.engine,
            runtime.sealer,
            launch_id=pending.launch_id,
            user_id=world.mallory.user_id,
        )
    with pytest.raises(NotFound):
        service.open_launch(
            runtime.engine, runtime.sealer, launch_id=999_999, user_id=world.alice.user_id
        )
    assert _counts(runtime.engine) == (0, 1)
