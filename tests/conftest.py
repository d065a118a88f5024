"""Fixtures: a fresh database per test on SQLite and on PostgreSQL, and the four personas.

alice and bob are radiologists of site A, carol is site A's admin, mallory belongs to site B only.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from radlink.accounts.service import create_token, create_user
from radlink.app import create_app
from radlink.db import make_engine, metadata
from radlink.migrate import upgrade
from radlink.runtime import Runtime
from radlink.settings import Settings
from radlink.sites.service import create_site

SECRET = "test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
PG_ADMIN_URL = os.environ.get(
    "RADLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_POSTGRES = os.environ.get("RADLINK_REQUIRE_POSTGRES") == "1"


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its production cost makes each persona take ~50 ms; tests need no strength."""
    from argon2 import PasswordHasher

    from radlink.accounts import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


def _pg_admin() -> Engine | None:
    engine = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:  # any failure to reach it
        engine.dispose()
        if REQUIRE_POSTGRES:
            pytest.fail(
                f"PostgreSQL is required (RADLINK_REQUIRE_POSTGRES=1) but unreachable: {exc}"
            )
        return None
    return engine


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    admin = _pg_admin()
    if admin is None:
        yield None
        return
    name = f"radlink_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "radlink.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str | None = request.getfixturevalue("pg_url")
    if url is None:
        pytest.skip("PostgreSQL not reachable (set RADLINK_REQUIRE_POSTGRES=1 to make this fail)")
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        secret_key=SECRET,
        base_url="http://testserver",
        embedded_worker=False,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime.create(settings)
    yield rt
    rt.engine.dispose()


@pytest.fixture
def engine(runtime: Runtime) -> Engine:
    return runtime.engine


@dataclass(frozen=True)
class Persona:
    user_id: int
    email: str
    name: str
    token: str
    password: str

    @property
    def headers(self) -> dict[str, str]:
        return {"x-access-token": self.token}


@dataclass(frozen=True)
class World:
    alice: Persona
    bob: Persona
    carol: Persona
    mallory: Persona


def make_persona(engine: Engine, email: str, name: str, sites: list[tuple[str, str]]) -> Persona:
    password = f"{name}-password-123"
    user_id = create_user(engine, email=email, name=name, password=password, sites=sites)
    return Persona(user_id, email, name, create_token(engine, email=email, name="test"), password)


@pytest.fixture
def world(engine: Engine) -> World:
    create_site(engine, site_key="site-a", name="Site A")
    create_site(engine, site_key="site-b", name="Site B")
    return World(
        alice=make_persona(engine, "alice@a.example", "Alice Adams", [("site-a", "radiologist")]),
        bob=make_persona(engine, "bob@a.example", "Bob Brown", [("site-a", "radiologist")]),
        carol=make_persona(engine, "carol@a.example", "Carol Clark", [("site-a", "admin")]),
        mallory=make_persona(engine, "mallory@b.example", "Mallory M", [("site-b", "radiologist")]),
    )


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime), raise_server_exceptions=False) as test_client:
        yield test_client
