from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from radlink.reports import editor
from radlink.reports.worklist import PAGE_SIZE, Filters, worklist_page
from tests.conftest import World
from tests.web.helpers import launch, logged_in


def _accessions(engine: Engine, user_id: int, **filters: object) -> list[str]:
    page = worklist_page(engine, user_id=user_id, filters=Filters(**filters))  # type: ignore[arg-type]
    return [row.accession for row in page.rows]


def _setup(client: TestClient, world: World, engine: Engine) -> None:
    launch(client, world.alice, "W1", lazy=False, PatientMRN="MRN-100")
    launch(client, world.bob, "W2", lazy=False, PatientMRN="MRN-200")
    launch(client, world.alice, "W3", lazy=False, PatientMRN="X-300")
    launch(client, world.alice, "W4")  # not opened yet: no report
    report_id = worklist_page(engine, user_id=world.alice.user_id, filters=Filters()).rows[-1].id
    editor.sign_report(
        engine,
        report_id=report_id,
        user_id=world.alice.user_id,
        revision=1,
        findings="F",
        impression="I",
    )


def test_filters_search_and_order(client: TestClient, world: World, engine: Engine) -> None:
    _setup(client, world, engine)
    alice = world.alice.user_id
    assert _accessions(engine, alice) == ["W3", "W2", "W1"]
    assert _accessions(engine, alice, scope="mine") == ["W3", "W1"]
    assert _accessions(engine, alice, status="Final") == ["W1"]
    assert _accessions(engine, alice, status="Draft", scope="mine") == ["W3"]
    assert _accessions(engine, alice, search="mrn-") == ["W2", "W1"]
    assert _accessions(engine, alice, search="w2") == ["W2"]
    assert _accessions(engine, alice, search="%") == []
    assert _accessions(engine, world.mallory.user_id) == []


def test_pages(client: TestClient, world: World, engine: Engine) -> None:
    for i in range(PAGE_SIZE + 2):
        launch(client, world.alice, f"P{i:02d}", lazy=False)
    first = worklist_page(engine, user_id=world.alice.user_id, filters=Filters())
    second = worklist_page(engine, user_id=world.alice.user_id, filters=Filters(page=2))
    assert len(first.rows) == PAGE_SIZE and first.has_next and not first.has_previous
    assert [r.accession for r in second.rows] == ["P01", "P00"] and not second.has_next


def test_filters_parse_leniently() -> None:
    parsed = Filters.parse({"scope": "mine", "status": "bogus", "q": " A1 ", "page": "-3"})
    assert parsed == Filters(scope="mine", status="any", search="A1", page=1)
    assert Filters(scope="mine", page=2).query(page=3) == "?scope=mine&page=3"


def test_the_worklist_page_links_to_reports(
    client: TestClient, world: World, engine: Engine
) -> None:
    _setup(client, world, engine)
    logged_in(client, world.alice)
    page = client.get("/?scope=mine&q=MRN").text
    assert "MRN-100" in page and "MRN-200" not in page
    links = re.findall(r'href="(/r/[A-Z2-7]{26})"', page)
    assert links and client.get(links[0]).status_code == 200
