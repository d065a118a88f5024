"""The editor's service functions and its JSON endpoints."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from radlink.errors import Forbidden
from radlink.reports import editor
from radlink.reports.tables import addenda, report_events, reports
from tests.conftest import World
from tests.web.helpers import launch, logged_in


def _report(engine: Engine, accession: str) -> dict:  # type: ignore[type-arg]
    with engine.connect() as conn:
        row = conn.execute(select(reports).where(reports.c.accession == accession)).one()
    return dict(row._mapping)


def _events(engine: Engine, report_id: int) -> list[tuple[str, int | None]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(report_events.c.kind, report_events.c.user_id)
            .where(report_events.c.report_id == report_id)
            .order_by(report_events.c.id)
        )
        return [(row.kind, row.user_id) for row in rows]


@pytest.fixture
def draft(client: TestClient, world: World, engine: Engine) -> dict:  # type: ignore[type-arg]
    """A Draft of alice's, opened through its link."""
    link = launch(client, world.alice, "E1", KeyFindings="Liver lesion 2 cm.")
    logged_in(client, world.alice)
    assert client.get(link).status_code == 200
    return _report(engine, "E1") | {"link": link}


def test_opening_a_lazy_link_creates_the_draft_with_key_findings(
    draft: dict,
    world: World,  # type: ignore[type-arg]
) -> None:
    assert draft["status"] == "Draft"
    assert draft["owner_id"] == world.alice.user_id
    assert draft["findings"] == "Liver lesion 2 cm."


def test_a_save_bumps_the_revision_and_records_an_event(
    draft: dict,
    engine: Engine,
    world: World,  # type: ignore[type-arg]
) -> None:
    saved = editor.save_draft(
        engine,
        report_id=draft["id"],
        user_id=world.alice.user_id,
        revision=1,
        findings="F",
        impression="I",
    )
    assert saved.revision == 2
    row = _report(engine, "E1")
    assert (row["findings"], row["impression"], row["revision"]) == ("F", "I", 2)
    assert _events(engine, draft["id"]) == [("saved", world.alice.user_id)]


def test_a_stale_revision_is_refused_and_nothing_is_overwritten(
    draft: dict,
    engine: Engine,
    world: World,  # type: ignore[type-arg]
) -> None:
    args = {"report_id": draft["id"], "user_id": world.alice.user_id, "revision": 1}
    editor.save_draft(engine, **args, findings="first tab", impression="")
    with pytest.raises(editor.StaleRevision) as refused:
        editor.save_draft(engine, **args, findings="second tab", impression="")
    assert refused.value.revision == 2 and refused.value.findings == "first tab"
    with pytest.raises(editor.StaleRevision):
        editor.sign_report(engine, **args, findings="second tab", impression="x")
    assert _report(engine, "E1")["findings"] == "first tab"


def test_only_the_owner_saves(draft: dict, engine: Engine, world: World) -> None:  # type: ignore[type-arg]
    with pytest.raises(editor.NotOwner):
        editor.save_draft(
            engine,
            report_id=draft["id"],
            user_id=world.bob.user_id,
            revision=1,
            findings="bob",
            impression="",
        )
    with pytest.raises(Forbidden):
        editor.save_draft(
            engine,
            report_id=draft["id"],
            user_id=world.mallory.user_id,
            revision=1,
            findings="m",
            impression="",
        )


def test_signing_needs_findings_or_impression(draft: dict, engine: Engine, world: World) -> None:  # type: ignore[type-arg]
    with pytest.raises(editor.EmptyText):
        editor.sign_report(
            engine,
            report_id=draft["id"],
            user_id=world.alice.user_id,
            revision=1,
            findings="  ",
            impression="\n",
        )
    assert _report(engine, "E1")["status"] == "Draft"


def test_signing_makes_the_report_final_and_read_only(
    draft: dict,
    engine: Engine,
    world: World,  # type: ignore[type-arg]
) -> None:
    editor.sign_report(
        engine,
        report_id=draft["id"],
        user_id=world.alice.user_id,
        revision=1,
        findings="F",
        impression="Normal.",
    )
    row = _report(engine, "E1")
    assert row["status"] == "Final" and row["signed_by"] == world.alice.user_id
    assert row["signed_at"] is not None and row["impression"] == "Normal."
    with pytest.raises(editor.AlreadyFinal):
        editor.save_draft(
            engine,
            report_id=draft["id"],
            user_id=world.alice.user_id,
            revision=2,
            findings="changed",
            impression="",
        )
    with pytest.raises(editor.AlreadyFinal):
        editor.take_over(engine, report_id=draft["id"], user_id=world.bob.user_id)
    assert _events(engine, draft["id"]) == [("signed", world.alice.user_id)]


def test_an_addendum_keeps_the_report_final_and_its_text(
    draft: dict,
    engine: Engine,
    world: World,  # type: ignore[type-arg]
) -> None:
    with pytest.raises(editor.NotFinal):
        editor.add_addendum(engine, report_id=draft["id"], user_id=world.alice.user_id, text="A")
    editor.sign_report(
        engine,
        report_id=draft["id"],
        user_id=world.alice.user_id,
        revision=1,
        findings="F",
        impression="I",
    )
    before = _report(engine, "E1")
    with pytest.raises(editor.EmptyText):
        editor.add_addendum(engine, report_id=draft["id"], user_id=world.bob.user_id, text=" ")
    editor.add_addendum(engine, report_id=draft["id"], user_id=world.bob.user_id, text="Late.")
    after = _report(engine, "E1")
    assert after == before
    with engine.connect() as conn:
        rows = conn.execute(select(addenda.c.text, addenda.c.signed_by)).all()
    assert [(r.text, r.signed_by) for r in rows] == [("Late.", world.bob.user_id)]
    assert _events(engine, draft["id"])[-1] == ("addendum", world.bob.user_id)


def test_take_over_moves_ownership_and_locks_out_the_old_owner(
    draft: dict,
    engine: Engine,
    world: World,  # type: ignore[type-arg]
) -> None:
    editor.take_over(engine, report_id=draft["id"], user_id=world.bob.user_id)
    row = _report(engine, "E1")
    assert row["owner_id"] == world.bob.user_id
    with pytest.raises(editor.NotOwner):
        editor.save_draft(
            engine,
            report_id=draft["id"],
            user_id=world.alice.user_id,
            revision=1,
            findings="alice",
            impression="",
        )
    editor.save_draft(
        engine,
        report_id=draft["id"],
        user_id=world.bob.user_id,
        revision=row["revision"],
        findings="bob",
        impression="",
    )
    assert _events(engine, draft["id"])[0] == ("takeover", world.bob.user_id)
    with pytest.raises(Forbidden):
        editor.take_over(engine, report_id=draft["id"], user_id=world.mallory.user_id)


def test_endpoints_answer_with_error_codes(
    client: TestClient,
    draft: dict,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = logged_in(client, world.alice)
    headers = {"X-CSRF-Token": token}
    link = draft["link"]
    ok = client.post(
        link + "/save", json={"revision": 1, "findings": "a", "impression": ""}, headers=headers
    )
    assert ok.json()["revision"] == 2
    stale = client.post(
        link + "/save", json={"revision": 1, "findings": "b", "impression": ""}, headers=headers
    )
    assert stale.status_code == 409
    assert stale.json() == {"error": "stale", "revision": 2, "findings": "a", "impression": ""}
    empty = client.post(
        link + "/sign", json={"revision": 2, "findings": "", "impression": ""}, headers=headers
    )
    assert (empty.status_code, empty.json()) == (422, {"error": "empty"})
    signed = client.post(
        link + "/sign", json={"revision": 2, "findings": "a", "impression": "b"}, headers=headers
    )
    assert signed.status_code == 200
    final = client.post(
        link + "/save", json={"revision": 3, "findings": "c", "impression": ""}, headers=headers
    )
    assert final.json() == {"error": "final"}
    added = client.post(link + "/addendum", json={"text": "More."}, headers=headers)
    assert added.status_code == 200
    page = client.get(link).text
    assert "More." in page and '<textarea id="findings"' not in page


def test_other_members_see_a_take_over_button(
    client: TestClient,
    draft: dict,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = logged_in(client, world.bob)
    page = client.get(draft["link"]).text
    assert 'data-action="takeover"' in page and "readonly" in page
    assert client.post(draft["link"] + "/takeover", headers={"X-CSRF-Token": token}).json() == {
        "ok": True
    }
    assert 'data-action="sign"' in client.get(draft["link"]).text


def test_mallory_cannot_use_the_endpoints(
    client: TestClient,
    draft: dict,
    world: World,  # type: ignore[type-arg]
) -> None:
    token = logged_in(client, world.mallory)
    response = client.post(draft["link"] + "/takeover", headers={"X-CSRF-Token": token})
    assert response.status_code == 403
