from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from radlink.db import utcnow
from radlink.web import throttle
from tests.conftest import World
from tests.web.helpers import login


def test_an_account_is_locked_after_repeated_failures(client: TestClient, world: World) -> None:
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert login(client, world.alice, password="wrong-password").status_code == 401
    # Even the right password is refused while the window lasts.
    assert login(client, world.alice).status_code == 429
    # The address is still under its own (higher) limit, so other accounts can log in.
    assert login(client, world.bob).status_code == 303


def test_an_address_is_locked_after_failures_on_many_accounts(
    client: TestClient, world: World, engine: Engine
) -> None:
    keys = throttle.keys_for("someone@a.example", "testclient")
    now = utcnow()
    for _ in range(throttle.ADDRESS_LIMIT):
        throttle.record_failure(engine, keys, now=now)
    assert login(client, world.bob).status_code == 429


def test_windows_expire(engine: Engine, world: World) -> None:
    keys = throttle.keys_for("alice@a.example", "10.0.0.1")
    start = utcnow() - throttle.WINDOW - timedelta(seconds=1)
    for _ in range(throttle.ACCOUNT_LIMIT):
        throttle.record_failure(engine, keys, now=start)
    assert throttle.is_throttled(engine, keys, now=start)
    assert not throttle.is_throttled(engine, keys)
    throttle.record_failure(engine, keys)  # a new window starts at one
    assert not throttle.is_throttled(engine, keys)


def test_success_clears_the_account_count(engine: Engine, world: World) -> None:
    keys = throttle.keys_for("alice@a.example", "10.0.0.2")
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        throttle.record_failure(engine, keys)
    throttle.record_success(engine, keys)
    throttle.record_failure(engine, keys)
    assert not throttle.is_throttled(engine, keys)


def test_forwarded_for_is_ignored(client: TestClient, world: World) -> None:
    for i in range(throttle.ACCOUNT_LIMIT):
        client.headers["X-Forwarded-For"] = f"10.1.1.{i}"
        login(client, world.alice, password="wrong-password")
    assert login(client, world.alice).status_code == 429
