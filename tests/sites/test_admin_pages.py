"""Site admin pages: only admins of the site get in; members, reports, settings, HL7."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from radlink.checks import run_checks
from radlink.db import utcnow
from radlink.delivery.tables import hl7_messages
from radlink.reports.tables import launches, reports
from radlink.settings import Settings
from tests.conftest import World
from tests.web.helpers import launch, logged_in, login

PAGES = ["users", "reports", "settings", "hl7"]


@pytest.mark.parametrize("page", PAGES)
def test_only_an_admin_of_the_site_sees_its_admin_pages(
    client: TestClient, world: World, page: str
) -> None:
    for persona in (world.alice, world.mallory):
        logged_in(client, persona)
        assert client.get(f"/admin/site-a/{page}").status_code == 403
    logged_in(client, world.mallory)
    assert client.get(f"/admin/site-b/{page}").status_code == 403  # member, not admin
    logged_in(client, world.carol)
    assert client.get(f"/admin/site-a/{page}").status_code == 200
    assert client.get(f"/admin/nowhere/{page}").status_code == 403


def test_the_avatar_menu_links_to_the_admin_area_for_admins_only(
    client: TestClient, world: World
) -> None:
    logged_in(client, world.alice)
    assert 'href="/admin"' not in client.get("/settings").text
    logged_in(client, world.carol)
    assert 'href="/admin"' in client.get("/settings").text
    assert client.get("/admin", follow_redirects=False).headers["location"] == "/admin/site-a/users"


def test_a_new_user_sets_a_password_through_the_one_time_link(
    client: TestClient, world: World
) -> None:
    csrf = logged_in(client, world.carol)
    page = client.post(
        "/admin/site-a/users",
        data={
            "email": "erin@a.example",
            "name": "Erin Evans",
            "role": "radiologist",
            "csrf_token": csrf,
        },
    )
    assert page.status_code == 200
    link = re.search(r"data-link-value>([^<]+)<", page.text)
    assert link is not None and "/set-password/" in link.group(1)
    path = "/set-password/" + link.group(1).rsplit("/set-password/", 1)[1]

    client.cookies.clear()
    form = client.get(path)
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    data = {"new": "erin-password-1", "confirm": "erin-password-1", "csrf_token": token.group(1)}
    done = client.post(path, data=data, follow_redirects=False)
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200  # logged in as Erin
    client.cookies.clear()
    assert client.get(path).status_code == 410  # used up

    from tests.conftest import Persona

    erin = Persona(0, "erin@a.example", "Erin", "", "erin-password-1")
    assert login(client, erin).status_code == 303


def test_deactivating_a_user_ends_their_sessions_and_tokens_at_once(
    client: TestClient, world: World
) -> None:
    bob = TestClient(client.app)
    logged_in(bob, world.bob)
    assert bob.get("/settings").status_code == 200
    csrf = logged_in(client, world.carol)
    response = client.post(
        f"/admin/site-a/users/{world.bob.user_id}/deactivate",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert bob.get("/settings", follow_redirects=False).status_code == 303  # to /login
    api = client.post(
        "/api/report/status",
        json={"SiteID": "site-a", "Accession": "x"},
        headers=world.bob.headers,
    )
    assert api.status_code == 401
    assert "Deactivated" in client.get("/admin/site-a/users").text


def test_an_admin_changes_a_role_but_not_their_own(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.carol)
    client.post(
        f"/admin/site-a/users/{world.alice.user_id}/role",
        data={"role": "admin", "csrf_token": csrf},
    )
    logged_in(client, world.alice)
    assert client.get("/admin/site-a/users").status_code == 200
    csrf = logged_in(client, world.carol)
    response = client.post(
        f"/admin/site-a/users/{world.carol.user_id}/role",
        data={"role": "radiologist", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert "error=self" in response.headers["location"]


def test_an_admin_sees_every_report_with_its_owner_and_reassigns_a_draft(
    client: TestClient, world: World, engine: Engine
) -> None:
    launch(client, world.alice, "ACC-R1", lazy=False)
    csrf = logged_in(client, world.carol)
    page = client.get("/admin/site-a/reports")
    assert "ACC-R1" in page.text and "Alice Adams" in page.text
    with engine.connect() as conn:
        report_id = conn.execute(select(reports.c.id)).scalar_one()
    client.post(
        f"/admin/site-a/reports/{report_id}/reassign",
        data={"owner_id": str(world.bob.user_id), "csrf_token": csrf},
    )
    with engine.connect() as conn:
        assert conn.execute(select(reports.c.owner_id)).scalar_one() == world.bob.user_id
    refused = client.post(
        f"/admin/site-a/reports/{report_id}/reassign",
        data={"owner_id": str(world.mallory.user_id), "csrf_token": csrf},
        follow_redirects=False,
    )
    assert "error=reassign" in refused.headers["location"]


def _settings(csrf: str, **changes: str) -> dict[str, str]:
    return {
        "name": "Site A",
        "default_app_language": "en",
        "default_speech_language": "en",
        "date_order": "MDY",
        "prelaunch_lifetime_days": "",
        "frame_ancestors": "",
        "csrf_token": csrf,
    } | changes


def test_site_settings_are_saved_and_bad_origins_refused(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.carol)
    bad = client.post(
        "/admin/site-a/settings", data=_settings(csrf, frame_ancestors="https://x/path")
    )
    assert bad.status_code == 400
    ok = client.post(
        "/admin/site-a/settings",
        data=_settings(
            csrf, name="Site A2", date_order="DMY", frame_ancestors="https://pacs.example"
        ),
        follow_redirects=False,
    )
    assert ok.status_code == 303
    page = client.get("/admin/site-a/settings").text
    assert 'value="Site A2"' in page and "https://pacs.example" in page


def test_report_pages_may_be_framed_only_by_the_sites_allowed_origins(
    client: TestClient, world: World
) -> None:
    link = launch(client, world.alice, "ACC-F1")
    logged_in(client, world.alice)
    csp = client.get(link).headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    csrf = logged_in(client, world.carol)
    client.post(
        "/admin/site-a/settings",
        data=_settings(csrf, frame_ancestors="https://pacs.example\nhttp://127.0.0.1:9999"),
    )
    page = client.get(link)
    assert (
        "frame-ancestors https://pacs.example http://127.0.0.1:9999"
        in page.headers["content-security-policy"]
    )
    assert "x-frame-options" not in page.headers
    assert '"origins": ["https://pacs.example", "http://127.0.0.1:9999"]' in page.text
    # Other pages still frame nothing.
    assert "frame-ancestors 'none'" in client.get("/").headers["content-security-policy"]


def test_an_expired_prelaunch_link_shows_a_clear_page(
    client: TestClient, world: World, engine: Engine
) -> None:
    link = launch(client, world.alice, "ACC-P1")
    csrf = logged_in(client, world.carol)
    client.post("/admin/site-a/settings", data=_settings(csrf, prelaunch_lifetime_days="2"))
    with engine.begin() as conn:
        conn.execute(update(launches).values(created_at=utcnow() - timedelta(days=3)))
    page = client.get(link)
    assert page.status_code == 410 and "data-link-expired" in page.text


def test_the_hl7_page_saves_a_destination_and_lists_messages_escaped_with_retry(
    client: TestClient, world: World, engine: Engine
) -> None:
    csrf = logged_in(client, world.carol)
    bad = client.post("/admin/site-a/hl7", data={"kind": "mllp", "host": "", "csrf_token": csrf})
    assert "alert error" in bad.text
    saved = client.post(
        "/admin/site-a/hl7",
        data={"kind": "mllp", "host": "127.0.0.1", "port": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    link = launch(client, world.alice, "ACC-H1", lazy=False, ReturnFormat="HL7")
    logged_in(client, world.alice)
    page = client.get(link).text
    revision = re.search(r'data-revision="(\d+)"', page)
    assert revision is not None
    alice_csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert alice_csrf is not None
    signed = client.post(
        link + "/sign",
        json={"revision": int(revision.group(1)), "findings": "<b>x</b>", "impression": "y"},
        headers={"X-CSRF-Token": alice_csrf.group(1)},
    )
    assert signed.status_code == 200, signed.text
    with engine.begin() as conn:
        conn.execute(update(hl7_messages).values(state="parked", attempts=5, ack_text="AE: nope"))
    csrf = logged_in(client, world.carol)
    log = client.get("/admin/site-a/hl7").text
    assert "ACC-H1" in log and "AE: nope" in log
    assert "&lt;b&gt;x&lt;/b&gt;" in log and "<b>x</b>" not in log
    message_id = re.search(r'data-message="(\d+)" data-state="parked"', log)
    assert message_id is not None
    retried = client.post(
        f"/admin/site-a/hl7/messages/{message_id.group(1)}/retry",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert retried.status_code == 303
    with engine.connect() as conn:
        assert conn.execute(select(hl7_messages.c.state)).scalar_one() == "pending"
    # Another site's admin cannot touch it.
    logged_in(client, world.mallory)
    assert (
        client.post(
            f"/admin/site-a/hl7/messages/{message_id.group(1)}/retry", data={"csrf_token": csrf}
        ).status_code
        == 403
    )


def test_the_test_message_reports_a_failure_to_connect(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.carol)
    client.post(
        "/admin/site-a/hl7",
        data={"kind": "mllp", "host": "127.0.0.1", "port": "1", "csrf_token": csrf},
    )
    page = client.post("/admin/site-a/hl7/test", data={"csrf_token": csrf})
    assert page.status_code == 200 and "data-test-result" in page.text
    assert "The test message failed." in page.text


def test_check_warns_when_a_site_frames_but_base_url_is_http(
    client: TestClient, world: World, settings: Settings
) -> None:
    def framing_warnings(s: Settings) -> list[str]:
        return [f.message for f in run_checks(s) if "frame ancestors" in f.message]

    assert framing_warnings(settings) == []
    csrf = logged_in(client, world.carol)
    client.post(
        "/admin/site-a/settings", data=_settings(csrf, frame_ancestors="https://pacs.example")
    )
    assert len(framing_warnings(settings)) == 1
    https = settings.model_copy(update={"base_url": "https://radlink.example"})
    assert framing_warnings(https) == []
