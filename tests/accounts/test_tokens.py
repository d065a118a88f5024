from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from radlink.accounts import service
from radlink.accounts.tables import access_tokens
from radlink.accounts.tokens import prefix_of
from radlink.db import utcnow
from radlink.errors import Invalid, NotFound
from tests.conftest import World
from tests.reports.helpers import LAUNCH, simple_body


def test_only_a_digest_of_the_token_is_stored(engine: Engine, world: World) -> None:
    with engine.connect() as conn:
        rows = conn.execute(select(access_tokens)).all()
    stored = " ".join(str(v) for row in rows for v in row)
    assert world.alice.token not in stored
    assert prefix_of(world.alice.token) in stored


def test_revoked_token_is_refused_at_once(client: TestClient, world: World, engine: Engine) -> None:
    assert (
        client.post(LAUNCH, json=simple_body("T1"), headers=world.alice.headers).status_code == 200
    )
    service.revoke_token(engine, prefix=prefix_of(world.alice.token))
    response = client.post(LAUNCH, json=simple_body("T1"), headers=world.alice.headers)
    assert response.status_code == 401
    with pytest.raises(NotFound):
        service.revoke_token(engine, prefix=prefix_of(world.alice.token))


def test_expired_token_is_refused(engine: Engine, world: World) -> None:
    token = service.create_token(engine, email=world.alice.email, name="short", expires_in_days=1)
    assert service.authenticate_token(engine, token) is not None
    later = utcnow() + timedelta(days=1, seconds=1)
    assert service.authenticate_token(engine, token, now=later) is None


def test_inactive_users_tokens_are_refused(engine: Engine, world: World) -> None:
    from radlink.accounts.tables import users

    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.id == world.bob.user_id).values(active=False))
    assert service.authenticate_token(engine, world.bob.token) is None


def test_last_used_is_recorded_coarsely(engine: Engine, world: World) -> None:
    def last_used() -> object:
        with engine.connect() as conn:
            return conn.execute(
                select(access_tokens.c.last_used_at).where(
                    access_tokens.c.prefix == prefix_of(world.alice.token)
                )
            ).scalar_one()

    assert last_used() is None
    service.authenticate_token(engine, world.alice.token)
    first = last_used()
    assert first is not None
    service.authenticate_token(engine, world.alice.token)
    assert last_used() == first  # within the resolution: no write
    service.authenticate_token(engine, world.alice.token, now=utcnow() + timedelta(minutes=6))
    assert last_used() != first


def test_token_expiry_bounds_are_checked(engine: Engine, world: World) -> None:
    with pytest.raises(Invalid):
        service.create_token(engine, email=world.alice.email, name="x", expires_in_days=0)
