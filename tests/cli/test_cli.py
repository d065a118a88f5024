from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from radlink.accounts.service import authenticate_token
from radlink.cli.main import app
from radlink.db import make_engine
from radlink.settings import get_settings

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RADLINK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("RADLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("RADLINK_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_setup_flow_from_an_empty_folder(cli_env: Path) -> None:
    assert run("migrate")[0] == 0
    assert (cli_env / "radlink.sqlite3").exists()
    assert (cli_env / "secret_key").stat().st_mode & 0o777 == 0o600
    assert run("sites", "create", "north", "--name", "North Hospital")[0] == 0
    code, out, _ = run(
        "users",
        "create",
        "--email",
        "Ann@North.example",
        "--name",
        "Ann",
        "--site",
        "north",
        "--role",
        "admin",
    )
    assert code == 0 and "password: " in out
    code, out, _ = run(
        "users",
        "create",
        "--email",
        "ben@north.example",
        "--name",
        "Ben",
        "--site",
        "north",
        "--role",
        "radiologist",
        "--password-stdin",
        stdin="a-long-password\n",
    )
    assert code == 0 and "password" not in out
    code, token, _ = run("tokens", "create", "--user", "ann@north.example", "--name", "ris")
    token = token.strip()
    assert code == 0 and token.startswith("rl_") and "\n" not in token
    engine = make_engine(get_settings().resolved_database_url)
    assert authenticate_token(engine, token) is not None
    code, out, _ = run("tokens", "list", "--user", "ann@north.example")
    assert code == 0 and token[:11] in out and "active" in out and token not in out
    assert run("tokens", "revoke", token[:11])[0] == 0
    assert authenticate_token(engine, token) is None
    assert "revoked" in run("tokens", "list", "--user", "ann@north.example")[1]
    out = run("users", "list")[1]
    assert "ann@north.example" in out and "north:admin" in out
    assert "north\tNorth Hospital" in run("sites", "list")[1]
    assert run("check")[0] == 0


def test_failures_exit_1_with_one_line(cli_env: Path) -> None:
    run("migrate")
    code, _, err = run("tokens", "create", "--user", "nobody@x.example")
    assert code == 1 and err.count("\n") == 1 and err.startswith("error: ")
    code, _, err = run("sites", "create", "bad site!", "--name", "x")
    assert code == 1 and "SiteID" in err
    run("sites", "create", "s1", "--name", "S1")
    code, _, err = run("sites", "create", "s1", "--name", "S1")
    assert code == 1 and "exists" in err
    code, _, err = run(
        "users",
        "create",
        "--email",
        "a@b.example",
        "--name",
        "A",
        "--site",
        "missing",
        "--role",
        "radiologist",
    )
    assert code == 1 and "missing" in err
    assert "a@b.example" not in run("users", "list")[1]  # nothing half-created


def test_usage_errors_exit_2(cli_env: Path) -> None:
    assert run("sites", "create")[0] == 2
    assert run("no-such-command")[0] == 2


def test_placeholder_secret_is_refused(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADLINK_SECRET_KEY", "changeme")
    get_settings.cache_clear()
    run("migrate")
    code, out, _ = run("check")
    assert code == 1 and "placeholder" in out


def test_check_reports_an_unmigrated_database(cli_env: Path) -> None:
    code, out, _ = run("check")
    assert code == 1 and "radlink migrate" in out


def test_demo_is_created_once_and_reused(cli_env: Path) -> None:
    run("migrate")
    code, first, _ = run("demo")
    assert code == 0 and "password:" in first and "token:" in first and "curl" in first
    code, second, _ = run("demo")
    assert code == 0 and "exist" in second and "rl_" not in second


def test_token_actions_on_the_command_line_are_audited(cli_env: Path) -> None:
    run("migrate")
    run("sites", "create", "north", "--name", "North")
    run(
        "users",
        "create",
        "--email",
        "ann@north.example",
        "--name",
        "Ann",
        "--site",
        "north",
        "--role",
        "admin",
    )
    token = run("tokens", "create", "--user", "ann@north.example")[1].strip()
    assert run("tokens", "revoke", token[:11])[0] == 0
    from sqlalchemy import select

    from radlink.accounts.tables import audit_events

    engine = make_engine(get_settings().resolved_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_events.c.action, audit_events.c.target, audit_events.c.client)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("token.created", f"token:{token[:11]}", "cli"),
        ("token.revoked", f"token:{token[:11]}", "cli"),
    ]
    assert token not in str(rows)
