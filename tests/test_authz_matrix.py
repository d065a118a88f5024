"""Authorisation matrix: every route of the app × method × persona → the expected status.

The routes are enumerated from the application object, and every (method, path template) must
have a row in ``MATRIX``: a new route without a row fails this test, so its author has to decide
who may use it. Personas:

- ``anonymous``: no session, no token;
- ``alice``: radiologist of site A, the site every path parameter belongs to;
- ``mallory``: radiologist of site B only;
- ``carol``: site A's admin (not a radiologist);
- ``revoked`` and ``expired``: alice's tokens, revoked or past their expiry.

API routes authenticate with ``x-access-token``; pages with a logged-in session. Tokens never
open a page, so on pages ``revoked`` and ``expired`` are anonymous clients that also send their
token header: their expectations are always the anonymous ones (asserted separately below).

``LOGIN`` means 303 to the login page; ``SEE_OTHER`` means 303 anywhere else (the action was
allowed and redirects, e.g. back to the admin page). State-changing page requests carry a valid
CSRF token (the session's, or the anonymous double-submit one), since the point is authorisation,
not CSRF (tests/web/test_csrf.py covers that). Objects a request changes (reports signed, tokens
revoked, reports reassigned) are made fresh for each request so the order of personas does not
matter.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.routing import Mount, Route

from radlink.accounts import grants
from radlink.accounts.service import create_token, revoke_token
from radlink.accounts.tables import access_tokens
from radlink.accounts.tokens import prefix_of
from radlink.app import create_app
from radlink.db import utcnow
from radlink.reports import editor, service, sync
from radlink.reports.request import parse_launch
from radlink.runtime import Runtime
from radlink.settings import Settings
from tests.conftest import SECRET, Persona, World
from tests.delivery.helpers import messages, site_id
from tests.web.helpers import csrf_of, logged_in

PERSONAS = ("anonymous", "alice", "mallory", "carol", "revoked", "expired")
LOGIN = "303 login"
SEE_OTHER = "303 elsewhere"
Expected = int | str


def api(*, alice: Expected, mallory: Expected, carol: Expected) -> dict[str, Expected]:
    """Token-authenticated: no, revoked or expired token → 401 whatever the site."""
    return {
        "anonymous": 401,
        "revoked": 401,
        "expired": 401,
        "alice": alice,
        "mallory": mallory,
        "carol": carol,
    }


def page(
    *, anonymous: Expected = LOGIN, alice: Expected, mallory: Expected, carol: Expected
) -> dict[str, Expected]:
    """Session-authenticated: revoked/expired tokens are just anonymous visitors."""
    return {
        "anonymous": anonymous,
        "revoked": anonymous,
        "expired": anonymous,
        "alice": alice,
        "mallory": mallory,
        "carol": carol,
    }


def public(status: Expected) -> dict[str, Expected]:
    return dict.fromkeys(PERSONAS, status)


# Admin pages: site A's admin only; the same 403 page for members and outsiders alike.
ADMIN_GET = page(alice=403, mallory=403, carol=200)
ADMIN_POST = page(alice=403, mallory=403, carol=SEE_OTHER)
# Editor fetch calls: 401 (JSON, not a redirect) without a session; outsiders 403. A site admin
# can do whatever a radiologist of the site can (docs/security.md).
EDITOR = page(anonymous=401, alice=200, mallory=403, carol=200)
# Writing alice's draft: carol gets past authorisation but is not the owner (409 not_owner; she
# would have to take it over first, which is recorded).
OWNERS_DRAFT = page(anonymous=401, alice=200, mallory=403, carol=409)
# Any logged-in user's own pages.
OWN_GET = page(alice=200, mallory=200, carol=200)
OWN_POST = page(alice=SEE_OTHER, mallory=SEE_OTHER, carol=SEE_OTHER)


@dataclass(frozen=True)
class Objects:
    """Real objects in site A that path parameters and bodies refer to."""

    rt: Runtime
    world: World
    link: str  # alice's draft report
    accession: str
    message_id: int  # an HL7 message of site A
    set_password_token: str
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1_000_000)))

    def report(self, owner: Persona | None = None, *, signed: bool = False) -> tuple[int, str]:
        """A fresh report (id, link id) in site A, owned by ``owner`` (alice by default)."""
        who = owner or self.world.alice
        tags = {
            "SiteID": "site-a",
            "Accession": f"MATRIX-{next(self.counter)}",
            "ReturnFormat": "HL7",
        }
        body = {"tags": tags}
        state = service.launch(
            self.rt.engine,
            self.rt.sealer,
            site_id=site_id(self.rt.engine),
            actor=service.Actor(who.user_id, who.name, who.email),
            request=parse_launch(body | {"result": "link"}),
        )
        assert state.report_id is not None
        if signed:
            editor.sign_report(
                self.rt.engine,
                report_id=state.report_id,
                user_id=who.user_id,
                revision=1,
                findings="Normal.",
                impression="No acute disease.",
            )
        return state.report_id, self.rt.links.encode(state.launch_id)


Params = Callable[[Objects], dict[str, str]]
Body = Callable[[Objects, str], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    expect: dict[str, Expected]
    api: bool = False
    params: Params = lambda o: {}
    json: Body | None = None
    form: Body | None = None
    ends_session: bool = False  # the persona logs in again afterwards


def _link(o: Objects) -> dict[str, str]:
    return {"link_id": o.link}


def _draft(o: Objects) -> dict[str, str]:
    return {"link_id": o.report()[1]}


def _signed(o: Objects) -> dict[str, str]:
    return {"link_id": o.report(signed=True)[1]}


def _bobs_draft(o: Objects) -> dict[str, str]:
    return {"link_id": o.report(o.world.bob)[1]}


def _site(o: Objects) -> dict[str, str]:
    return {"site_key": "site-a"}


def _alices_token(o: Objects) -> dict[str, str]:
    return {"prefix": prefix_of(create_token(o.rt.engine, email=o.world.alice.email, name="x"))}


def _own_password(o: Objects, who: str) -> dict[str, str]:
    persona = getattr(o.world, who, o.world.bob)
    return {"email": persona.email, "password": persona.password, "next": "/settings"}


def _draft_text(o: Objects, who: str) -> dict[str, Any]:
    return {"revision": 1, "findings": "F.", "impression": "I."}


PUBLIC_DOC = public(200)

MATRIX: dict[tuple[str, str], Row] = {
    # --- Infrastructure and documentation: public, no patient data ----------------------------
    ("GET", "/healthz"): Row(PUBLIC_DOC),
    ("GET", "/openapi.json"): Row(PUBLIC_DOC),
    ("HEAD", "/openapi.json"): Row(PUBLIC_DOC),
    ("GET", "/api/docs"): Row(PUBLIC_DOC),
    ("HEAD", "/api/docs"): Row(PUBLIC_DOC),
    ("GET", "/docs/oauth2-redirect"): Row(PUBLIC_DOC),
    ("HEAD", "/docs/oauth2-redirect"): Row(PUBLIC_DOC),
    ("GET", "/static/{path:path}"): Row(PUBLIC_DOC, params=lambda o: {"path:path": "editor.js"}),
    ("HEAD", "/static/{path:path}"): Row(PUBLIC_DOC, params=lambda o: {"path:path": "app.css"}),
    # --- API ------------------------------------------------------------------------------
    ("POST", "/api/report/launch/clinical"): Row(
        # carol belongs to site A (as its admin), so her token may launch there.
        api(alice=200, mallory=403, carol=200),
        api=True,
        json=lambda o, who: {
            "tags": {"SiteID": "site-a", "Accession": o.accession},
            "result": "link",
        },
    ),
    ("POST", "/api/report/status"): Row(
        api(alice=200, mallory=403, carol=200),
        api=True,
        json=lambda o, who: {"SiteID": "site-a", "Accession": o.accession},
    ),
    # --- Login and the user's own settings -----------------------------------------------
    ("GET", "/login"): Row(
        page(anonymous=200, alice=SEE_OTHER, mallory=SEE_OTHER, carol=SEE_OTHER)
    ),
    # Anyone may log in with their own password (anonymous visitors use bob's).
    ("POST", "/login"): Row(public(SEE_OTHER), form=_own_password, ends_session=True),
    # Logging out needs no session (and ends one if there is): always back to the login page.
    ("POST", "/logout"): Row(public(LOGIN), ends_session=True),
    ("GET", "/settings"): Row(OWN_GET),
    ("POST", "/settings/language"): Row(OWN_POST, form=lambda o, who: {"language": "en"}),
    ("GET", "/settings/password"): Row(OWN_GET),
    # A wrong current password: 400 shows the request got past authorisation, changing nothing.
    ("POST", "/settings/password"): Row(
        page(alice=400, mallory=400, carol=400),
        form=lambda o, who: {"current": "wrong", "new": "n" * 12, "confirm": "n" * 12},
    ),
    ("GET", "/settings/confirm"): Row(OWN_GET),
    ("POST", "/settings/confirm"): Row(OWN_POST, form=_own_password),
    ("GET", "/settings/tokens"): Row(OWN_GET),
    ("POST", "/settings/tokens"): Row(OWN_GET, form=lambda o, who: {"name": "matrix"}),
    # Only the token's owner can revoke it; anyone else is told it does not exist.
    ("POST", "/settings/tokens/{prefix}/revoke"): Row(
        page(alice=SEE_OTHER, mallory=404, carol=404), params=_alices_token
    ),
    # The one-time set-password link is its own credential: mismatched passwords → 400.
    ("GET", "/set-password/{token}"): Row(
        public(200), params=lambda o: {"token": o.set_password_token}
    ),
    ("POST", "/set-password/{token}"): Row(
        public(400),
        params=lambda o: {"token": o.set_password_token},
        form=lambda o, who: {"new": "a" * 12, "confirm": "b" * 12},
    ),
    # --- Reporting app ----------------------------------------------------------------------
    ("GET", "/"): Row(OWN_GET),
    # Anonymous visitors are sent to log in and back; other sites get the 403 page.
    ("GET", "/r/{link_id}"): Row(page(alice=200, mallory=403, carol=200), params=_link),
    ("GET", "/R/{link_id}"): Row(page(alice=200, mallory=403, carol=200), params=_link),
    # An unknown sign-in grant changes nothing: everyone is sent on to the stable link, which
    # then applies the rules above.
    ("GET", "/r/{link_id}/{grant}"): Row(
        public(SEE_OTHER), params=lambda o: {"link_id": o.link, "grant": "not-a-grant"}
    ),
    ("GET", "/R/{link_id}/{grant}"): Row(
        public(SEE_OTHER), params=lambda o: {"link_id": o.link, "grant": "not-a-grant"}
    ),
    ("POST", "/r/{link_id}/save"): Row(OWNERS_DRAFT, params=_draft, json=_draft_text),
    ("POST", "/r/{link_id}/sign"): Row(OWNERS_DRAFT, params=_draft, json=_draft_text),
    ("POST", "/r/{link_id}/addendum"): Row(
        EDITOR, params=_signed, json=lambda o, who: {"text": "Addendum."}
    ),
    # alice (or carol) takes over bob's draft: same site, so allowed.
    ("POST", "/r/{link_id}/takeover"): Row(EDITOR, params=_bobs_draft),
    # Server-sent events: 401, not a redirect (EventSource cannot follow one to a login page).
    ("GET", "/events/sync"): Row(page(anonymous=401, alice=200, mallory=200, carol=200)),
    # --- Site admin -------------------------------------------------------------------------
    # /admin sends an admin to their site; others get the 403 page.
    ("GET", "/admin"): Row(page(alice=403, mallory=403, carol=SEE_OTHER)),
    ("GET", "/admin/{site_key}/users"): Row(ADMIN_GET, params=_site),
    ("POST", "/admin/{site_key}/users"): Row(
        page(alice=403, mallory=403, carol=200),  # the page with the new user's password link
        params=_site,
        form=lambda o, who: {"email": f"new-{next(o.counter)}@a.example", "name": "New"},
    ),
    ("POST", "/admin/{site_key}/users/{user_id}/{action}"): Row(
        ADMIN_POST,
        params=lambda o: {
            "site_key": "site-a",
            "user_id": str(o.world.bob.user_id),
            "action": "sync",
        },
        form=lambda o, who: {"sync_launch": "on"},
    ),
    ("GET", "/admin/{site_key}/reports"): Row(ADMIN_GET, params=_site),
    ("POST", "/admin/{site_key}/reports/{report_id}/reassign"): Row(
        ADMIN_POST,
        params=lambda o: {"site_key": "site-a", "report_id": str(o.report()[0])},
        form=lambda o, who: {"owner_id": str(o.world.bob.user_id)},
    ),
    ("GET", "/admin/{site_key}/settings"): Row(ADMIN_GET, params=_site),
    ("POST", "/admin/{site_key}/settings"): Row(
        ADMIN_POST,
        params=_site,
        form=lambda o, who: {
            "name": "Site A",
            "default_app_language": "en",
            "default_speech_language": "en",
            "date_order": "MDY",
        },
    ),
    ("GET", "/admin/{site_key}/hl7"): Row(ADMIN_GET, params=_site),
    ("POST", "/admin/{site_key}/hl7"): Row(
        ADMIN_POST, params=_site, form=lambda o, who: {"host": "127.0.0.1", "port": "9"}
    ),
    # Sends a test message (to a closed port, answered at once) and shows the results page.
    ("POST", "/admin/{site_key}/hl7/test"): Row(
        page(alice=403, mallory=403, carol=200), params=_site
    ),
    ("POST", "/admin/{site_key}/hl7/messages/{message_id}/retry"): Row(
        ADMIN_POST, params=lambda o: {"site_key": "site-a", "message_id": str(o.message_id)}
    ),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path template) the app answers, however FastAPI stores included routers.

    FastAPI ≥ 0.128 keeps ``include_router`` results as ``_IncludedRouter`` entries whose routes
    come from ``effective_route_contexts()``; older versions copy ``APIRoute``s into
    ``app.routes``. Anything else unknown fails, rather than being silently left out.
    """
    found: set[tuple[str, str]] = set()
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:
            entries = [(c.path, c.methods) for c in contexts()]
        elif isinstance(route, Mount):
            entries = [(route.path + "/{path:path}", {"GET", "HEAD"})]
        elif isinstance(route, APIRoute | Route):
            entries = [(route.path, route.methods)]
        else:
            raise AssertionError(f"unknown kind of route {route!r}: teach app_routes about it")
        for path, methods in entries:
            assert methods, f"{path} has no methods"
            found.update((method, path) for method in methods)
    return found


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # The matrix uses alice's token many times; the rate limit is tested elsewhere.
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        secret_key=SECRET,
        base_url="http://testserver",
        embedded_worker=False,
        api_rate=10_000,
        api_burst=10_000,
    )


@pytest.fixture
def objects(runtime: Runtime, world: World) -> Objects:
    engine = runtime.engine
    o = Objects(runtime, world, link="", accession="", message_id=0, set_password_token="")
    _, link = o.report()
    o.report(signed=True)  # no destination yet: its message waits as "no-destination"
    return Objects(
        runtime,
        world,
        link=link,
        accession="MATRIX-0",
        message_id=int(messages(engine)[0].id),
        set_password_token=grants.mint_set_password(engine, user_id=world.bob.user_id),
        counter=o.counter,
    )


def _tokens(rt: Runtime, world: World) -> dict[str, str | None]:
    revoked = create_token(rt.engine, email=world.alice.email, name="revoked")
    revoke_token(rt.engine, prefix=prefix_of(revoked))
    expired = create_token(rt.engine, email=world.alice.email, name="expired", expires_in_days=7)
    with rt.engine.begin() as conn:
        conn.execute(
            update(access_tokens)
            .where(access_tokens.c.prefix == prefix_of(expired))
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
    return {
        "anonymous": None,
        "alice": world.alice.token,
        "mallory": world.mallory.token,
        "carol": world.carol.token,
        "revoked": revoked,
        "expired": expired,
    }


def _observed(response: Any) -> Expected:
    if response.status_code == 303:
        return LOGIN if response.headers["location"].startswith("/login") else SEE_OTHER
    status: int = response.status_code
    return status


class Browsers:
    """One logged-in client per member persona; a fresh client for every anonymous request."""

    def __init__(self, app: FastAPI, world: World, stack: ExitStack) -> None:
        self.app = app
        self.world = world
        self.clients = {
            name: stack.enter_context(TestClient(app, raise_server_exceptions=False))
            for name in ("alice", "mallory", "carol")
        }
        self.csrf: dict[str, str] = {}

    def session(self, who: str) -> tuple[TestClient, str]:
        if who not in self.clients:
            client = TestClient(self.app, raise_server_exceptions=False)
            return client, csrf_of(client.get("/login").text)  # the double-submit token
        client = self.clients[who]
        if who not in self.csrf:
            self.csrf[who] = logged_in(client, getattr(self.world, who))
        return client, self.csrf[who]


def _request(
    browsers: Browsers, tokens: dict[str, str | None], o: Objects, key: tuple[str, str], who: str
) -> Any:
    method, template = key
    row = MATRIX[key]
    path = template
    for name, value in row.params(o).items():
        path = path.replace("{" + name + "}", value)
    assert "{" not in path, f"unfilled parameter in {path}"
    kwargs: dict[str, Any] = {"follow_redirects": False, "headers": {}}
    if row.json is not None:
        kwargs["json"] = row.json(o, who)
    if row.form is not None:
        kwargs["data"] = row.form(o, who)
    token = tokens[who]
    if row.api:
        client = browsers.session("anonymous")[0]
        if token:
            kwargs["headers"]["x-access-token"] = token
        return client.request(method, path, **kwargs)
    client, csrf = browsers.session(who)
    if token and who in ("revoked", "expired"):
        kwargs["headers"]["x-access-token"] = token  # a token is no way into a page
    if method not in ("GET", "HEAD"):
        kwargs["headers"]["X-CSRF-Token"] = csrf
    response = client.request(method, path, **kwargs)
    if row.ends_session:
        browsers.csrf.pop(who, None)
    return response


def test_the_matrix_has_a_row_for_every_route_and_no_stale_rows(client: TestClient) -> None:
    routes = app_routes(client.app)  # type: ignore[arg-type]
    known = {
        ("POST", "/api/report/launch/clinical"),
        ("GET", "/r/{link_id}"),
        ("POST", "/r/{link_id}/sign"),
        ("GET", "/settings/tokens"),
        ("POST", "/settings/tokens/{prefix}/revoke"),
        ("GET", "/events/sync"),
        ("POST", "/admin/{site_key}/hl7/messages/{message_id}/retry"),
        ("GET", "/healthz"),
        ("GET", "/static/{path:path}"),
    }
    assert known <= routes, f"enumeration missed {known - routes}"
    assert len(routes) >= 45
    missing = sorted(routes - MATRIX.keys())
    assert not missing, f"routes without a row in MATRIX (decide who may use them): {missing}"
    stale = sorted(MATRIX.keys() - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"


def test_token_personas_are_anonymous_on_pages() -> None:
    for key, row in MATRIX.items():
        if not row.api:
            assert row.expect["revoked"] == row.expect["expired"] == row.expect["anonymous"], key


def test_every_route_answers_every_persona_as_the_matrix_says(
    runtime: Runtime, world: World, objects: Objects, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The event stream would run until the client goes away; with the session reported gone
    # at the first heartbeat it ends at once, after its 200 status line.
    monkeypatch.setattr(sync, "HEARTBEAT_SECONDS", 0.01)
    monkeypatch.setattr(sync, "session_alive", lambda rt, session_id: False)
    tokens = _tokens(runtime, world)
    app = create_app(runtime)
    wrong: list[str] = []
    started = time.monotonic()
    with ExitStack() as stack:
        browsers = Browsers(app, world, stack)
        assert app_routes(app) <= MATRIX.keys()
        for key in sorted(MATRIX):
            for who in PERSONAS:
                response = _request(browsers, tokens, objects, key, who)
                got, want = _observed(response), MATRIX[key].expect[who]
                if got != want:
                    wrong.append(f"{key[0]} {key[1]} as {who}: expected {want}, got {got}")
    assert not wrong, "\n".join(wrong)
    assert time.monotonic() - started < 30
