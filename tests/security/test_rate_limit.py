"""Per-token API rate limit: a token bucket in the database, shared by every process."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from radlink import ratelimit
from radlink.app import create_app
from radlink.db import make_engine, utcnow
from radlink.runtime import Runtime
from radlink.settings import Settings
from tests.conftest import World
from tests.reports.helpers import LAUNCH, simple_body

STATUS = "/api/report/status"


def test_a_burst_is_served_then_429_with_retry_after(runtime: Runtime, world: World) -> None:
    settings = runtime.settings.model_copy(update={"api_rate": 0.5, "api_burst": 5})
    rt = Runtime.create(settings, engine=runtime.engine)
    with TestClient(create_app(rt)) as client:
        body = simple_body("rl-1")
        codes = [client.post(LAUNCH, json=body, headers=world.alice.headers) for _ in range(6)]
        assert [r.status_code for r in codes] == [200] * 5 + [429]
        refused = codes[-1]
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] in ("1", "2")  # one token at 0.5/s
        assert refused.json()["status"] == 429
        # Per token: bob is not affected by alice's burst.
        assert client.post(LAUNCH, json=body, headers=world.bob.headers).status_code == 200


def test_buckets_refill_at_the_rate_up_to_the_burst(engine: Engine) -> None:
    limit = ratelimit.Limit(rate=2, burst=3)
    start = utcnow()
    with engine.connect().execution_options(write=True) as conn, conn.begin():
        taken = [ratelimit.take(conn, key="k", limit=limit, now=start) for _ in range(4)]
        assert [d.allowed for d in taken] == [True, True, True, False]
        assert taken[-1].retry_after == 1
        later = start + timedelta(seconds=1)  # two tokens back
        assert [
            ratelimit.take(conn, key="k", limit=limit, now=later).allowed for _ in range(3)
        ] == [
            True,
            True,
            False,
        ]
        much_later = start + timedelta(hours=1)  # capped at the burst
        assert (
            sum(
                ratelimit.take(conn, key="k", limit=limit, now=much_later).allowed for _ in range(5)
            )
            == 3
        )
        # A clock that went backwards refills nothing and breaks nothing.
        assert not ratelimit.take(conn, key="k", limit=limit, now=start).allowed


def test_two_processes_share_one_bucket(engine: Engine, settings: Settings) -> None:
    other = make_engine(settings.resolved_database_url)  # as a second process would
    limit = ratelimit.Limit(rate=0.001, burst=10)
    try:
        allowed = [
            ratelimit.take_now(e, key="shared", limit=limit).allowed
            for _ in range(6)
            for e in (engine, other)
        ]
    finally:
        other.dispose()
    assert allowed.count(True) == 10


def test_the_cost_of_one_take_is_small(engine: Engine, db_url: str) -> None:
    limit = ratelimit.Limit(rate=1000, burst=1000)
    ratelimit.take_now(engine, key="warm", limit=limit)
    n = 200
    started = time.perf_counter()
    for _ in range(n):
        ratelimit.take_now(engine, key="cost", limit=limit)
    per_request_ms = (time.perf_counter() - started) / n * 1000
    print(f"rate limit cost on {db_url.split(':')[0]}: {per_request_ms:.3f} ms per request")
    assert per_request_ms < 5


@pytest.mark.parametrize("header", ["x-access-token", "authorization"])
def test_unauthenticated_requests_do_not_spend_a_bucket(
    client: TestClient, world: World, header: str
) -> None:
    value = "rl_nottoken" if header == "x-access-token" else "Bearer rl_nottoken"
    for _ in range(3):
        assert client.post(STATUS, json={}, headers={header: value}).status_code == 401
