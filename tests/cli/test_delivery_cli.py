from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from radlink.cli.main import app
from radlink.runtime import Runtime
from radlink.settings import get_settings
from tests.conftest import SECRET, World
from tests.delivery.helpers import messages, signed

runner = CliRunner()


@pytest.fixture
def cli_db(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("RADLINK_DATABASE_URL", db_url)
    monkeypatch.setenv("RADLINK_SECRET_KEY", SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_hl7_configuration_preview_and_message_log(
    cli_db: None, runtime: Runtime, world: World
) -> None:
    report_id = signed(runtime, world.alice, "CLI-1", findings="Ünïcode | pipe")
    out = runner.invoke(app, ["hl7", "preview", str(report_id)]).stdout
    assert out.startswith("MSH|^~\\&|RADLINK") and "Ünïcode \\F\\ pipe" in out
    listing = runner.invoke(app, ["deliveries", "list", "--state", "no-destination"]).stdout
    assert "RL" in listing and "no-destination" in listing
    result = runner.invoke(
        app,
        [
            "sites",
            "set-hl7",
            "site-a",
            "--host",
            "127.0.0.1",
            "--port",
            "2575",
            "--receiving-app",
            "RIS",
            "--version",
            "2.3",
        ],
    )
    assert result.exit_code == 0 and "1 waiting message" in result.stdout
    shown = runner.invoke(app, ["sites", "show", "site-a"]).stdout
    assert "127.0.0.1:2575" in shown and "v2.3" in shown
    [row] = messages(runtime.engine)
    assert row.state == "pending"
    detail = runner.invoke(app, ["deliveries", "show", str(row.id)]).stdout
    assert "MSH|" in detail and "|2.3" in detail
    refused = runner.invoke(app, ["deliveries", "retry", str(row.id)])
    assert refused.exit_code == 1 and "only parked" in refused.stderr
    bad = runner.invoke(app, ["sites", "set-hl7", "site-a", "--host", "h"])
    assert bad.exit_code == 1 and "--port" in bad.stderr
