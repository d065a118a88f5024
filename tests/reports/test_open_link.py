"""GET /r/<id>: login and back, 403 for non-members, 404 for unknown ids, one report only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from radlink.reports.tables import reports
from radlink.runtime import Runtime
from tests.conftest import World
from tests.web.helpers import csrf_of, launch, logged_in


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(reports)).scalar_one())


def test_not_logged_in_goes_to_login_and_back(client: TestClient, world: World) -> None:
    link = launch(client, world.alice, "L1")
    response = client.get(link, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={link}"
    token = csrf_of(client.get(response.headers["location"]).text)
    back = client.post(
        "/login",
        data={
            "email": world.bob.email,
            "password": world.bob.password,
            "next": link,
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == link


def test_the_link_works_in_any_case(client: TestClient, world: World, engine: Engine) -> None:
    link = launch(client, world.alice, "L2")
    logged_in(client, world.alice)
    assert client.get(link.lower()).status_code == 200
    assert client.get(link).status_code == 200
    assert _count(engine) == 1


def test_a_non_member_gets_a_403_that_reveals_nothing(client: TestClient, world: World) -> None:
    link = launch(client, world.alice, "L3", PatientName="Secret^Sam", PatientMRN="MRN-77")
    logged_in(client, world.mallory)
    response = client.get(link)
    assert response.status_code == 403
    for secret in ("Secret", "MRN-77", "L3", "Site A"):
        assert secret not in response.text


def test_unknown_and_forged_ids_get_a_404_page(
    client: TestClient, world: World, runtime: Runtime
) -> None:
    logged_in(client, world.alice)
    for link_id in ("A" * 26, runtime.links.encode(999), "short", "0" * 26):
        response = client.get(f"/r/{link_id}")
        assert response.status_code == 404, link_id
        assert response.headers["content-type"].startswith("text/html")


def test_two_sessions_opening_at_once_get_one_report(
    client: TestClient, world: World, engine: Engine
) -> None:
    link = launch(client, world.alice, "L4", KeyFindings="KF")
    clients = [TestClient(client.app) for _ in range(4)]
    for other, persona in zip(
        clients, [world.alice, world.bob, world.alice, world.bob], strict=True
    ):
        logged_in(other, persona)
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda c: c.get(link).status_code, clients))
    assert statuses == [200] * 4
    assert _count(engine) == 1


def test_the_editor_shows_the_study_in_the_reports_language(
    client: TestClient, world: World
) -> None:
    link = launch(
        client,
        world.alice,
        "L5",
        AppLanguage="ja",
        SpeechLanguage="pt",
        PatientName="Doe^John",
        StudyDate="2024-05-02",
        PatientBirthDate="1975-01-02",
        PatientAge="50",
        ReferringPhysician="Dr Who",
    )
    logged_in(client, world.alice)
    page = client.get(link).text
    assert '<html lang="ja">' in page
    assert 'data-speech-lang="pt-BR"' in page
    assert "2024/05/02" in page and "1975/01/02" in page and "50 年" in page
    assert "Dr Who" in page and "Doe, John" in page


def test_the_upper_cased_link_a_qr_code_carries_opens_the_report(
    client: TestClient, world: World, engine: Engine
) -> None:
    from radlink.reports.qr import qr_text

    link = launch(client, world.alice, "L-QR")
    scanned = qr_text("http://testserver" + link).removeprefix("HTTP://TESTSERVER")
    assert scanned.startswith("/R/")
    logged_in(client, world.alice)
    assert client.get(scanned).status_code == 200
    assert _count(engine) == 1
