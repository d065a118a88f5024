"""Security headers: a strict CSP on every page, nosniff and no-referrer on every response."""

from __future__ import annotations

from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from radlink.web.security import SecurityHeaders, content_security_policy
from tests.conftest import World
from tests.web.helpers import launch, logged_in


def _directives(policy: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


def test_pages_carry_a_strict_policy_without_inline_script(
    client: TestClient, world: World
) -> None:
    logged_in(client, world.alice)
    link = launch(client, world.alice, "hdr-1")
    for path in ("/login", "/", "/settings", link, "/r/AAAAAAAAAAAAAAAAAAAAAAAAAA"):
        response = client.get(path)
        assert response.headers["content-type"].startswith("text/html"), path
        policy = _directives(response.headers["content-security-policy"])
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'", "no 'unsafe-inline', no nonce, no host"
        assert policy["style-src"] == "'self'"
        assert policy["img-src"] == "'self' data:"
        assert policy["connect-src"] == "'self'"
        assert policy["frame-ancestors"] == "'none'"
        assert policy["base-uri"] == "'none'"
        assert policy["form-action"] == "'self'"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client: TestClient, world: World) -> None:
    logged_in(client, world.alice)
    html = client.get(launch(client, world.alice, "hdr-2")).text + client.get("/").text
    for tag in html.split("<script")[1:]:
        head = tag.split(">", 1)[0]
        assert "src=" in head or 'type="application/json"' in head, head
    assert " style=" not in html and "<style" not in html
    assert " onclick=" not in html and "javascript:" not in html


def test_every_response_has_nosniff_and_no_referrer(client: TestClient) -> None:
    for response in (
        client.get("/healthz"),
        client.get("/openapi.json"),
        client.get("/static/app.js"),
        client.post("/api/report/launch/clinical", json={}),  # a 401 problem
        client.get("/no-such-page"),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_api_reference_page_gets_its_own_policy(client: TestClient) -> None:
    policy = _directives(client.get("/api/docs").headers["content-security-policy"])
    assert policy["frame-ancestors"] == "'none'"
    assert "https://cdn.jsdelivr.net" in policy["script-src"]


def _framed_app(hook: object) -> TestClient:
    def page(_: Request) -> HTMLResponse:
        return HTMLResponse("<p>x</p>", headers={"X-Frame-Options": "DENY"})

    app = SecurityHeaders(Starlette(routes=[Route("/", page)]), frame_ancestors=hook)  # type: ignore[arg-type]
    return TestClient(app)


def test_frame_ancestors_come_from_the_site_setting() -> None:
    response = _framed_app(lambda _: "https://pacs.example")
    assert _directives(response.get("/").headers["content-security-policy"])["frame-ancestors"] == (
        "https://pacs.example"
    )
    assert "x-frame-options" not in response.get("/").headers


def test_a_failing_frame_ancestors_lookup_fails_closed() -> None:
    def broken(_: Request) -> str:
        raise RuntimeError("database down")

    headers = _framed_app(broken).get("/").headers
    assert _directives(headers["content-security-policy"])["frame-ancestors"] == "'none'"
    assert headers["x-frame-options"] == "DENY"


def test_the_default_policy_string() -> None:
    assert content_security_policy().endswith("frame-ancestors 'none'")
