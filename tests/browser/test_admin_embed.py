"""Site admin pages, embedding in a host page, and SyncLaunch, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.embed_servers import Persona, host_page, launch, radlink_serve, seed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Persona]]]:
    data = tmp_path_factory.mktemp("admin-embed")
    db_url = f"sqlite:///{data / 'radlink.sqlite3'}"
    people = seed(db_url)
    with radlink_serve(data, db_url) as base:
        yield base, people


def login(page: Any, who: Persona) -> None:
    page.fill("input[name=email]", who.email)
    page.fill("input[name=password]", who.password)
    page.click("button[type=submit]")


def test_an_admin_adds_a_user_who_sets_a_password_and_frames_are_configured(
    context: Any, app: tuple[str, dict[str, Persona]]
) -> None:
    base, people = app
    page = context.new_page()
    page.goto(base + "/login")
    login(page, people["carol"])
    page.click("summary.avatar-button")
    page.click("text=Site administration")
    page.wait_for_url(re.compile(r"/admin/site-a/users"))
    page.fill("[data-add-user] input[name=email]", "erin@a.example")
    page.fill("[data-add-user] input[name=name]", "Erin Evans")
    page.click("[data-add-user] button[type=submit]")
    link = page.text_content("[data-link-value]")
    assert link and "/set-password/" in link
    screenshot(page, "admin-users")

    erin = context.browser.new_context()
    other = erin.new_page()
    other.goto(link)
    other.fill("input[name=new]", "erin-password-9")
    other.fill("input[name=confirm]", "erin-password-9")
    other.click("button[type=submit]")
    other.wait_for_url(base + "/")
    erin.close()

    page.goto(base + "/admin/site-a/settings")
    page.fill("textarea[name=frame_ancestors]", "https://pacs.example")
    page.click("[data-site-settings] button[type=submit]")
    assert page.is_visible("text=Settings saved.")


def test_an_allowed_host_frames_the_app_and_hears_its_events_a_disallowed_one_cannot(
    context: Any, app: tuple[str, dict[str, Persona]]
) -> None:
    base, people = app
    with host_page() as (host, pages), host_page() as (stranger, stranger_pages):
        # Allow the host's origin, through the admin page.
        admin = context.new_page()
        admin.goto(base + "/admin/site-a/settings")
        if "/login" in admin.url:
            login(admin, people["carol"])
            admin.goto(base + "/admin/site-a/settings")
        admin.fill("textarea[name=frame_ancestors]", host)
        admin.click("[data-site-settings] button[type=submit]")
        admin.close()

        fresh = context.browser.new_context()
        link = launch(
            base, people["carol"].token, "EMB-1", userInfo={"UserEmail": people["alice"].email}
        )
        pages["src"] = link
        page = fresh.new_page()
        page.goto(host)
        frame = page.frame_locator("#app")
        frame.locator("[data-editor]").wait_for()
        frame.locator("#findings").fill("Liver normal.")
        frame.locator('[data-action="save"]').click()
        page.wait_for_function("window.received.some(m => m.data.type === 'report-saved')")
        frame.locator('[data-action="sign"]').click()
        frame.locator('[data-action="confirm-sign"]').click()
        page.wait_for_function("window.received.some(m => m.data.type === 'report-signed')")
        # Signing reloads the page: it closes, then opens again as Final.
        page.wait_for_function(
            "window.received.filter(m => m.data.type === 'report-opened').length > 1"
        )
        received = page.evaluate("window.received")
        types = [m["data"]["type"] for m in received]
        assert types[0] == "report-opened" and "report-closed" in types
        assert all(m["origin"] == base for m in received)
        assert all(set(m["data"]) == {"type", "SiteID", "Accession", "status"} for m in received)
        assert received[-1]["data"] == {
            "type": "report-opened",
            "SiteID": "site-a",
            "Accession": "EMB-1",
            "status": "Final",
        }
        screenshot(page, "embedded-report")

        # Another origin gets a blocked frame: no editor ever appears inside it.
        stranger_pages["src"] = link.rsplit("/", 1)[0]
        blocked = fresh.new_page()
        response = blocked.request.get(stranger_pages["src"])
        assert "frame-ancestors " + host in response.headers["content-security-policy"]
        blocked.goto(stranger)
        blocked.wait_for_timeout(700)
        child = blocked.frames[1] if len(blocked.frames) > 1 else None
        assert child is None or child.query_selector("[data-editor]") is None
        assert blocked.evaluate("window.received.length") == 0
        fresh.close()


def test_synclaunch_switches_an_open_window(
    context: Any, app: tuple[str, dict[str, Persona]]
) -> None:
    base, people = app
    first = launch(base, people["alice"].token, "SYNC-1")
    page = context.new_page()
    page.goto(first)
    if "/login" in page.url:
        login(page, people["alice"])
    page.wait_for_selector("[data-editor]")
    page.fill("#findings", "Draft in progress")
    page.wait_for_timeout(300)  # the EventSource connects
    second = launch(base, people["alice"].token, "SYNC-2", reportingApp={"SyncLaunch": True})
    page.wait_for_url(second, timeout=3000)
    page.goto(first)
    assert page.input_value("#findings") == "Draft in progress"  # saved before switching
