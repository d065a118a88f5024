from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.web.helpers import launch, logged_in


def test_login_without_a_csrf_token_is_refused(client: TestClient, world: World) -> None:
    response = client.post(
        "/login", data={"email": world.alice.email, "password": world.alice.password}
    )
    assert response.status_code == 403
    assert "radlink_session" not in client.cookies


def test_forms_without_the_session_token_are_refused(client: TestClient, world: World) -> None:
    logged_in(client, world.alice)
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/settings/language", data={"language": "fr"}).status_code == 403
    assert client.get("/settings").status_code == 200  # still logged in


def test_fetch_calls_need_the_header(client: TestClient, world: World) -> None:
    link = launch(client, world.alice, "C1")
    token = logged_in(client, world.alice)
    client.get(link)
    body = {"revision": 1, "findings": "x", "impression": ""}
    refused = client.post(link + "/save", json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (
        client.post(link + "/save", json=body, headers={"X-CSRF-Token": "nope"}).status_code == 403
    )
    ok = client.post(link + "/save", json=body, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200, ok.text


def test_another_users_token_does_not_work(client: TestClient, world: World) -> None:
    bob_token = logged_in(client, world.bob)
    logged_in(client, world.alice)
    assert client.post("/logout", data={"csrf_token": bob_token}).status_code == 403
