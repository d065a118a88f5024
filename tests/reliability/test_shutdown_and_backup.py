"""Graceful shutdown finishes the request in flight and exits 0; backups restore."""

from __future__ import annotations

import json
import shutil
import signal
import socket
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from radlink.backup import backup_sqlite
from radlink.cli.main import app as cli
from radlink.db import make_engine
from radlink.errors import Invalid
from radlink.reports.service import report_status
from radlink.settings import get_settings
from tests.conftest import World
from tests.reliability.servers import start_server
from tests.reports.helpers import LAUNCH
from tests.web.helpers import launch


# SQLite only: shutdown does not depend on the database.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sigterm_finishes_the_request_in_flight_then_exits_0(
    sqlite_template: Path, tmp_path: Path, engine: Engine, world: World, db_url: str
) -> None:
    server = start_server(tmp_path, db_url, tmp_path / "serve.log")
    host, port = server.base_url.removeprefix("http://").split(":")
    body = json.dumps(
        {"tags": {"SiteID": "site-a", "Accession": "TERM-1"}, "result": "link"}
    ).encode()
    head = (
        f"POST {LAUNCH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"x-access-token: {world.alice.token}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body[:10])
        time.sleep(0.3)
        server.signal(signal.SIGTERM)  # the request is in flight: its body is half sent
        time.sleep(0.5)
        sock.sendall(body[10:])
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert server.wait(15) == 0, server.tail()


# SQLite only: PostgreSQL is backed up with pg_dump (docs/operations.md).
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_backup_restores_every_report(
    tmp_path: Path, engine: Engine, world: World, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from radlink.app import create_app
    from radlink.runtime import Runtime
    from radlink.settings import Settings
    from tests.conftest import SECRET

    rt = Runtime.create(
        Settings(data_dir=tmp_path, database_url=db_url, secret_key=SECRET, embedded_worker=False),
        engine=engine,
    )
    with TestClient(create_app(rt)) as client:
        links = [launch(client, world.alice, f"BACKUP-{n}", lazy=False) for n in range(5)]
    monkeypatch.setenv("RADLINK_DATABASE_URL", db_url)
    monkeypatch.setenv("RADLINK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        target = tmp_path / "backups" / "copy.sqlite3"
        result = CliRunner().invoke(cli, ["backup", str(target)])
        assert result.exit_code == 0, result.output
        again = CliRunner().invoke(cli, ["backup", str(target)])
        assert again.exit_code == 1  # never overwrites
    finally:
        get_settings.cache_clear()
    # Restore: the copy in place of a lost database.
    restored_path = tmp_path / "restored.sqlite3"
    shutil.copy(target, restored_path)
    restored = make_engine(f"sqlite:///{restored_path}")
    try:
        with restored.connect() as conn:
            site_id = conn.exec_driver_sql(
                "SELECT id FROM sites WHERE site_key = 'site-a'"
            ).scalar()
        for n in range(5):
            state = report_status(restored, site_id=site_id, accession=f"BACKUP-{n}")
            assert state.status == "Draft"
            assert rt.links.encode(state.launch_id) == links[n].removeprefix("/r/")
        with restored.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        restored.dispose()


def test_backup_refuses_postgresql_and_missing_files(tmp_path: Path) -> None:
    from radlink.backup import sqlite_path

    with pytest.raises(Invalid, match="pg_dump"):
        sqlite_path("postgresql://db/radlink")
    with pytest.raises(Invalid, match="no database"):
        backup_sqlite(tmp_path / "missing.sqlite3", tmp_path / "copy.sqlite3")
