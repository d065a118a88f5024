from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from radlink.web.session import COOKIE, safe_next
from radlink.web.tables import web_sessions
from tests.conftest import World
from tests.web.helpers import csrf_of, logged_in, login


def _sessions(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(web_sessions)).scalar_one())


def test_pages_redirect_to_login_and_back(client: TestClient, world: World) -> None:
    response = client.get("/settings?x=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/settings%3Fx%3D1"


def test_login_sets_a_signed_httponly_lax_cookie(client: TestClient, world: World) -> None:
    response = login(client, world.alice)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Secure" not in cookie  # base URL is http
    assert client.get("/settings").status_code == 200


def test_cookie_value_is_not_the_stored_session_id(
    client: TestClient, world: World, engine: Engine
) -> None:
    login(client, world.alice)
    value = client.cookies[COOKIE]
    with engine.connect() as conn:
        stored = conn.execute(select(web_sessions.c.id)).scalar_one()
    assert stored not in value


def test_a_tampered_cookie_is_refused(client: TestClient, world: World) -> None:
    login(client, world.alice)
    token, signature = client.cookies[COOKIE].split(".")
    client.cookies.clear()
    client.cookies.set(COOKIE, token + "." + signature[:-2] + "AA")
    assert client.get("/settings", follow_redirects=False).status_code == 303


def test_login_gives_a_new_session_and_ends_the_old_one(
    client: TestClient, world: World, engine: Engine
) -> None:
    login(client, world.alice)
    first = client.cookies[COOKIE]
    token = csrf_of(client.get("/login?next=/", follow_redirects=True).text)
    client.post(
        "/login",
        data={"email": world.alice.email, "password": world.alice.password, "csrf_token": token},
        follow_redirects=False,
    )
    assert client.cookies[COOKIE] != first
    assert _sessions(engine) == 1


def test_wrong_password_and_unknown_user_get_the_same_answer(
    client: TestClient, world: World
) -> None:
    wrong = login(client, world.alice, password="not-her-password")
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    unknown = client.post(
        "/login", data={"email": "nobody@a.example", "password": "x", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert COOKIE not in client.cookies


def test_logout_deletes_the_session(client: TestClient, world: World, engine: Engine) -> None:
    token = logged_in(client, world.alice)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert _sessions(engine) == 0
    assert client.get("/", follow_redirects=False).status_code == 303


def test_login_returns_to_a_local_next_only(client: TestClient, world: World) -> None:
    token = csrf_of(client.get("/login").text)
    for target, expected in [
        ("/r/ABC?x=1", "/r/ABC?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        client.cookies.delete(COOKIE)
        response = client.post(
            "/login",
            data={
                "email": world.alice.email,
                "password": world.alice.password,
                "next": target,
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == expected, target


def test_safe_next_refuses_other_hosts() -> None:
    assert safe_next("/worklist") == "/worklist"
    for bad in ["http://x", "//x", "/\\x", "x", "", None, "/\nLocation: x", "\\\\x"]:
        assert safe_next(bad) == "/"


def test_change_password_ends_other_sessions(
    client: TestClient, world: World, engine: Engine
) -> None:
    token = logged_in(client, world.alice)
    other = TestClient(client.app)
    login(other, world.alice)
    assert _sessions(engine) == 2
    response = client.post(
        "/settings/password",
        data={
            "current": world.alice.password,
            "new": "a-brand-new-password",
            "confirm": "a-brand-new-password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 200
    assert _sessions(engine) == 1
    assert other.get("/settings", follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert login(client, world.alice, password="a-brand-new-password").status_code == 303


def test_change_password_refuses_a_wrong_current_password(client: TestClient, world: World) -> None:
    token = logged_in(client, world.alice)
    response = client.post(
        "/settings/password",
        data={
            "current": "wrong",
            "new": "a-brand-new-password",
            "confirm": "a-brand-new-password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
