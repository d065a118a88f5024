"""The reporting app in a real browser against a real server."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.browser.conftest import Server, User, screenshot

pytestmark = pytest.mark.browser

FAKE_SPEECH = """
(() => {
  class FakeRecognition {
    constructor() { this.lang = ""; this.continuous = false; this.interimResults = false; }
    start() {
      window.__recognitionLang = this.lang;
      const say = (text, isFinal) => {
        const result = [{ transcript: text, confidence: 0.9 }];
        result.isFinal = isFinal;
        this.onresult({ resultIndex: 0, results: [result] });
      };
      setTimeout(() => say("Leber", false), 50);
      setTimeout(() => say("Leber unauffällig", true), 150);
      setTimeout(() => say("nächster Abschnitt", true), 250);
      setTimeout(() => say("Kein akuter Befund", true), 350);
      setTimeout(() => this.onend && this.onend(), 450);
    }
    stop() { this.onend && this.onend(); }
  }
  window.SpeechRecognition = FakeRecognition;
})();
"""


def login(page: Any, user: User) -> None:
    page.fill("input[name=email]", user.email)
    page.fill("input[name=password]", user.password)
    page.click("button[type=submit]")


def open_as(context: Any, server: Server, user: User, link: str) -> Any:
    page = context.new_page()
    page.goto(link)
    if "/login" in page.url:
        login(page, user)
    page.wait_for_url(re.compile(r"/r/"))
    return page


def wait_saved(page: Any) -> None:
    page.wait_for_selector('[data-save-state][data-state="saved"]')


def test_login_then_a_lazy_link_opens_a_draft_with_key_findings(
    context: Any, server: Server
) -> None:
    link = server.launch(
        "B-100",
        PatientName="Doe^Jane",
        PatientMRN="MRN-4711",
        PatientBirthDate="1968-03-14",
        PatientAge="56",
        PatientSex="F",
        Modality="CT",
        BodyPartExamined="Chest",
        StudyDescription="CT chest with contrast",
        StudyDate="2024-05-02",
        StudyTime="101500",
        ReasonForExam="Persistent cough, weight loss.",
        ReferringPhysician="Dr. Gregory House",
        KeyFindings="8 mm nodule in the right upper lobe.",
    )
    page = context.new_page()
    page.goto(link)
    assert "/login?next=/r/" in page.url
    screenshot(page, "login")
    login(page, server.alice)
    page.wait_for_url(link)
    assert page.input_value("#findings") == "8 mm nodule in the right upper lobe."
    assert page.locator(".badge.draft").is_visible()
    assert "Dr. Gregory House" in page.content()
    screenshot(page, "editor")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "editor-phone")


def test_edits_are_saved_and_survive_a_reload(context: Any, server: Server) -> None:
    page = open_as(context, server, server.alice, server.launch("B-101", KeyFindings="KF"))
    page.click("#impression")
    page.keyboard.type("No acute abnormality.")
    page.wait_for_selector(
        '[data-save-state][data-state="unsaved"], [data-save-state][data-state="saving"]'
    )
    wait_saved(page)
    page.reload()
    assert page.input_value("#impression") == "No acute abnormality."
    page.fill("#findings", "Typed then saved with the keyboard.")
    page.keyboard.press("Control+s")
    wait_saved(page)
    page.reload()
    assert page.input_value("#findings") == "Typed then saved with the keyboard."


def test_two_tabs_conflict_and_both_texts_are_kept(context: Any, server: Server) -> None:
    link = server.launch("B-102", KeyFindings="Original.")
    first = open_as(context, server, server.alice, link)
    second = context.new_page()
    second.goto(link)
    first.fill("#findings", "Text from the first tab.")
    first.keyboard.press("Control+s")
    wait_saved(first)
    second.fill("#findings", "Text from the second tab.")
    second.keyboard.press("Control+s")
    second.wait_for_selector("[data-conflict]:not([hidden])")
    assert second.input_value("#findings") == "Text from the second tab."
    assert second.text_content("[data-conflict-findings]") == "Text from the first tab."
    screenshot(second, "editor-conflict")
    first.reload()
    assert first.input_value("#findings") == "Text from the first tab."
    second.click('[data-action="keep-mine"]')
    wait_saved(second)
    first.reload()
    assert first.input_value("#findings") == "Text from the second tab."


def test_sign_makes_it_read_only_and_an_addendum_is_appended(context: Any, server: Server) -> None:
    page = open_as(
        context, server, server.alice, server.launch("B-103", KeyFindings="Lungs clear.")
    )
    page.fill("#impression", "Normal chest.")
    page.click('[data-action="sign"]')
    page.click('[data-dialog="sign"] [data-action="confirm-sign"]')
    page.wait_for_selector(".badge.final")
    assert page.locator("textarea#findings").count() == 0
    assert page.text_content("#impression") == "Normal chest."
    assert "Signed by Alice Adams" in page.content()
    page.click('[data-action="open-addendum"]')
    page.fill("[data-addendum-text]", "Comparison with prior CT: stable.")
    page.click('[data-action="sign-addendum"]')
    page.click('[data-dialog="addendum"] [data-action="confirm-addendum"]')
    page.wait_for_selector(".addendum")
    assert "Comparison with prior CT: stable." in page.text_content(".addendum")
    assert page.text_content("#impression") == "Normal chest."
    screenshot(page, "editor-final")


def test_a_non_member_gets_403(context: Any, server: Server) -> None:
    link = server.launch("B-104", PatientName="Secret^Patient")
    page = context.new_page()
    response = page.goto(link)
    login(page, server.mallory)
    page.wait_for_selector(".status-code")
    assert response is not None
    assert page.text_content(".status-code") == "403"
    assert "Secret" not in page.content()


def test_app_language_ja_shows_the_japanese_ui(context: Any, server: Server) -> None:
    page = open_as(context, server, server.alice, server.launch("B-105", AppLanguage="ja"))
    assert page.get_attribute("html", "lang") == "ja"
    assert page.text_content("label[for=findings]") == "所見"
    assert page.text_content('[data-action="sign"]') == "レポートに署名"
    screenshot(page, "editor-ja")


def test_a_token_made_in_the_ui_works_until_revoked(context: Any, server: Server) -> None:
    page = context.new_page()
    page.goto(server.base_url + "/login")
    login(page, server.bob)
    page.wait_for_url(server.base_url + "/")
    page.click("summary.avatar-button")
    page.click("text=Access tokens")
    page.fill("input[name=name]", "Browser test")
    page.select_option("select[name=expires_in_days]", "30")
    page.click("text=Create token")
    token = page.text_content("[data-token-value]")
    assert token and token.startswith("rl_")
    body = {"tags": {"SiteID": "site-a", "Accession": "B-106"}, "result": "link"}
    url = server.base_url + "/api/report/launch/clinical"
    assert httpx.post(url, json=body, headers={"x-access-token": token}).status_code == 200
    screenshot(page, "tokens")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click(f'tr[data-token-prefix="{token[:11]}"] button:has-text("Revoke")')
    page.wait_for_selector(f'tr[data-token-prefix="{token[:11]}"] .badge.revoked')
    assert httpx.post(url, json=body, headers={"x-access-token": token}).status_code == 401


def test_dictation_uses_the_speech_language_and_inserts_text(context: Any, server: Server) -> None:
    context.add_init_script(FAKE_SPEECH)
    page = open_as(
        context,
        server,
        server.alice,
        server.launch("B-107", SpeechLanguage="de", KeyFindings="Befund:"),
    )
    page.click("#findings")
    page.keyboard.press("End")
    page.click('[data-action="dictate"]')
    # Polled from Python: wait_for_function evaluates a string, which the page's CSP forbids.
    for _ in range(50):
        if page.input_value("#impression"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.__recognitionLang") == "de-DE"
    assert page.input_value("#findings") == "Befund: Leber unauffällig"
    assert page.input_value("#impression") == "Kein akuter Befund"
    wait_saved(page)


def test_the_worklist_lists_reports_and_filters(context: Any, server: Server) -> None:
    server.launch("B-108")
    page = open_as(
        context,
        server,
        server.alice,
        server.launch("B-109", PatientMRN="MRN-999", PatientName="Roe^Richard"),
    )
    page.goto(server.base_url + "/")
    assert page.locator("table.worklist tbody tr").count() >= 1
    screenshot(page, "worklist")
    page.fill("#q", "MRN-999")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=MRN-999"))
    assert page.locator("table.worklist tbody tr").count() == 1
    page.click("text=Roe, Richard")
    page.wait_for_url(re.compile(r"/r/"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.base_url + "/")
    screenshot(page, "worklist-phone")
