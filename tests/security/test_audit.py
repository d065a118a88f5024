"""The audit trail: every listed event is recorded, with ids only, and `radlink audit` prints it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from radlink.accounts.tables import audit_events
from radlink.cli.main import app as cli
from radlink.delivery.worker import Worker
from radlink.runtime import Runtime
from radlink.settings import get_settings
from tests.conftest import World
from tests.delivery.conftest import fake_ris, loop_thread  # noqa: F401 (fixtures)
from tests.delivery.helpers import FAST, mllp_to
from tests.delivery.hl7.peers import FakeRis
from tests.reports.helpers import LAUNCH
from tests.web.helpers import csrf_of, logged_in, login

PATIENT = {
    "PatientMRN": "MRN-SECRET-77",
    "PatientName": "Zebedee^Quux",
    "ReasonForExam": "Suspected zygoma fracture",
    "ReturnFormat": "HL7",
}


def _events(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(audit_events).order_by(audit_events.c.id))
        return [(row.action, row.outcome) for row in rows]


def _all_text(engine: Engine) -> str:
    with engine.connect() as conn:
        return repr(list(conn.execute(select(audit_events))))


def _launch(client: TestClient, world: World, accession: str) -> str:
    body = {"tags": {"SiteID": "site-a", "Accession": accession, **PATIENT}, "result": "link"}
    response = client.post(LAUNCH, json=body, headers=world.alice.headers)
    assert response.status_code == 200, response.text
    return "/r/" + response.json()["reportLink"].rsplit("/r/", 1)[1]


def test_each_listed_event_is_recorded_without_patient_values(
    client: TestClient,
    runtime: Runtime,
    world: World,
    fake_ris: Callable[..., FakeRis],  # noqa: F811
) -> None:
    engine = runtime.engine
    assert login(client, world.alice, password="wrong-password-1").status_code == 401
    token = logged_in(client, world.alice)
    link = _launch(client, world, "AUD-1")
    assert client.get(link).status_code == 200
    headers = {"X-CSRF-Token": token}
    draft = {"revision": 1, "findings": "Fracture.", "impression": "Zygoma."}
    assert client.post(link + "/save", json=draft, headers=headers).status_code == 200
    peer = fake_ris("AA")
    mllp_to(engine, peer.port)
    signed = {**draft, "revision": 2}
    assert client.post(link + "/sign", json=signed, headers=headers).status_code == 200
    addendum = {"text": "Also a rib."}
    assert client.post(link + "/addendum", json=addendum, headers=headers).status_code == 200
    assert Worker(engine, FAST).run_once() and Worker(engine, FAST).run_once()
    other = _launch(client, world, "AUD-2")
    logged_in(client, world.bob)
    bob = csrf_of(client.get("/settings").text)
    assert client.post(other + "/takeover", headers={"X-CSRF-Token": bob}).status_code == 200
    page = client.post("/settings/tokens", data={"name": "ris", "csrf_token": bob})
    assert page.status_code == 200
    prefix = page.text.split("rl_", 1)[1][:8]
    revoke = client.post(
        f"/settings/tokens/rl_{prefix}/revoke", data={"csrf_token": bob}, follow_redirects=False
    )
    assert revoke.status_code == 303

    actions = [action for action, _ in _events(engine)]
    for expected in (
        "login.failure",
        "login.success",
        "launch",
        "link.opened",
        "report.viewed",
        "report.edited",
        "report.signed",
        "report.addendum",
        "hl7.delivered",
        "report.taken_over",
        "token.created",
        "token.revoked",
    ):
        assert expected in actions, expected
    text = _all_text(engine)
    for value in (*PATIENT.values(), "AUD-1", "Fracture", "Zygoma", "rib", "Zebedee"):
        assert value not in text


def test_parked_messages_are_recorded(
    runtime: Runtime,
    world: World,
    fake_ris: Callable[..., FakeRis],  # noqa: F811
) -> None:
    from tests.delivery.helpers import signed

    mllp_to(runtime.engine, fake_ris("AR").port)
    signed(runtime, world.alice, "AUD-3")
    assert Worker(runtime.engine, FAST).run_once()
    assert ("hl7.parked", "parked") in _events(runtime.engine)


def test_a_refused_token_launches_nothing_and_records_nothing(
    client: TestClient, runtime: Runtime, world: World
) -> None:
    body = {"tags": {"SiteID": "site-a", "Accession": "AUD-4"}}
    assert client.post(LAUNCH, json=body, headers={"x-access-token": "rl_bad"}).status_code == 401
    assert client.post(LAUNCH, json=body, headers=world.mallory.headers).status_code == 403
    assert "launch" not in [a for a, _ in _events(runtime.engine)]


@pytest.fixture
def cli_settings(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RADLINK_DATABASE_URL", runtime.settings.resolved_database_url)
    monkeypatch.setenv("RADLINK_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_audit_command_prints_a_site_trail(
    client: TestClient, world: World, cli_settings: None
) -> None:
    _launch(client, world, "AUD-5")
    _launch(client, world, "AUD-6")
    result = CliRunner().invoke(cli, ["audit", "--site", "site-a"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    assert all("\tlaunch\tok\talice@a.example\tlaunch:" in line for line in lines)
    future = CliRunner().invoke(cli, ["audit", "--site", "site-a", "--since", "2999-01-01"])
    assert future.exit_code == 0 and future.stdout == ""
    assert CliRunner().invoke(cli, ["audit", "--site", "site-b"]).stdout == ""
    unknown = CliRunner().invoke(cli, ["audit", "--site", "nowhere"])
    assert unknown.exit_code == 1
    bad = CliRunner().invoke(cli, ["audit", "--site", "site-a", "--since", "yesterday"])
    assert bad.exit_code == 1
