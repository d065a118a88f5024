from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from radlink.web import i18n
from tests.conftest import World
from tests.web.helpers import launch, logged_in


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", "fr"),
        ("xx, de;q=0.5, ja;q=0.7", "ja"),
        ("zh-TW", "zh-Hant"),
        ("zh", "zh-CN"),
        ("pt-PT", "pt"),
        ("en;q=0, ko;q=0.1", "ko"),
        ("tlh", None),
        ("", None),
    ],
)
def test_accept_language(header: str, expected: str | None) -> None:
    assert i18n.from_accept_language(header) == expected


def test_order_report_then_user_then_browser() -> None:
    assert i18n.choose(report_language="ja", user_language="fr", accept_language="de") == "ja"
    assert i18n.choose(report_language=None, user_language="fr", accept_language="de") == "fr"
    assert i18n.choose(report_language=None, user_language=None, accept_language="de") == "de"
    assert i18n.choose(report_language=None, user_language=None, accept_language=None) == "en"


def test_login_page_follows_the_browser(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "ja-JP,ja;q=0.9"}).text
    assert '<html lang="ja">' in page and "ログイン" in page


def test_the_switcher_saves_the_users_choice(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.alice)
    response = client.post(
        "/settings/language",
        data={"language": "nl", "next": "/", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    assert '<html lang="nl">' in client.get("/", headers={"Accept-Language": "fr"}).text
    # A report still opens in its own AppLanguage.
    link = launch(client, world.alice, "LANG1", AppLanguage="ko")
    assert '<html lang="ko">' in client.get(link).text
