from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from radlink.db import utcnow
from radlink.web.tables import web_sessions
from tests.conftest import World
from tests.web.helpers import csrf_of, logged_in

LAUNCH = "/api/report/launch/clinical"


def _create(client: TestClient, token: str, name: str = "PACS", days: str = "") -> str:
    response = client.post(
        "/settings/tokens", data={"name": name, "expires_in_days": days, "csrf_token": token}
    )
    assert response.status_code == 200, response.text
    match = re.search(r"data-token-value>(rl_[^<]+)<", response.text)
    assert match
    return match.group(1)


def test_a_token_is_shown_once_works_and_can_be_revoked(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.alice)
    token = _create(client, csrf, days="30")
    listing = client.get("/settings/tokens").text
    assert token not in listing and token[:11] in listing and "PACS" in listing
    body = {"tags": {"SiteID": "site-a", "Accession": "T1"}, "result": "link"}
    api = TestClient(client.app)
    assert api.post(LAUNCH, json=body, headers={"x-access-token": token}).status_code == 200
    revoked = client.post(
        f"/settings/tokens/{token[:11]}/revoke", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert api.post(LAUNCH, json=body, headers={"x-access-token": token}).status_code == 401
    assert "Revoked" in client.get("/settings/tokens").text


def test_someone_elses_token_cannot_be_revoked(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.bob)
    response = client.post(
        f"/settings/tokens/{world.alice.token[:11]}/revoke", data={"csrf_token": csrf}
    )
    assert response.status_code == 404
    api = TestClient(client.app)
    assert (
        api.post(
            LAUNCH,
            json={"tags": {"SiteID": "site-a", "Accession": "T2"}, "result": "link"},
            headers=world.alice.headers,
        ).status_code
        == 200
    )


def test_an_old_login_must_enter_the_password_again(
    client: TestClient, world: World, engine: Engine
) -> None:
    csrf = logged_in(client, world.alice)
    with engine.begin() as conn:
        conn.execute(update(web_sessions).values(authenticated_at=utcnow() - timedelta(hours=1)))
    response = client.get("/settings/tokens", follow_redirects=False)
    assert response.headers["location"] == "/settings/confirm?next=/settings/tokens"
    refused = client.post(
        "/settings/tokens", data={"name": "x", "csrf_token": csrf}, follow_redirects=False
    )
    assert refused.status_code == 303
    wrong = client.post(
        "/settings/confirm",
        data={"password": "nope", "next": "/settings/tokens", "csrf_token": csrf},
    )
    assert wrong.status_code == 401
    ok = client.post(
        "/settings/confirm",
        data={"password": world.alice.password, "next": "/settings/tokens", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/settings/tokens"
    assert _create(client, csrf_of(client.get("/settings/tokens").text)).startswith("rl_")


def test_a_token_needs_a_name(client: TestClient, world: World) -> None:
    csrf = logged_in(client, world.alice)
    response = client.post("/settings/tokens", data={"name": " ", "csrf_token": csrf})
    assert response.status_code == 400
