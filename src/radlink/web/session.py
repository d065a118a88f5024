"""Server-side sessions: the cookie carries a random token and its HMAC, the table its SHA-256.

A stolen database copy gives no usable cookie, a forged cookie is refused before any query, and
deleting a row (logout, password change) ends that session in every process at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request, Response

from radlink.accounts import queries as account_queries
from radlink.db import read_tx, utcnow, write_tx
from radlink.problems import ApiProblem
from radlink.runtime import Runtime
from radlink.web import queries as q

COOKIE = "radlink_session"
IDLE_TIMEOUT = timedelta(hours=12)
MAX_AGE = timedelta(days=7)
# Sliding expiry is written at most this often, so that page views are not all writes.
TOUCH_EVERY = timedelta(minutes=5)
# Managing access tokens asks for the password again when it was last entered longer ago.
RECENT_LOGIN = timedelta(minutes=30)


@dataclass(frozen=True)
class WebUser:
    user_id: int
    name: str
    email: str
    language: str | None
    session_id: str
    csrf_token: str
    authenticated_at: datetime
    is_admin: bool = False  # of at least one site: the menu links to the admin pages

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or self.email[:1].upper()

    def logged_in_recently(self, now: datetime | None = None) -> bool:
        return (now or utcnow()) - self.authenticated_at <= RECENT_LOGIN


class LoginRequired(Exception):
    """Raised by the page dependency; the handler redirects to the login page and back."""

    def __init__(self, next_path: str) -> None:
        super().__init__("login required")
        self.next_path = next_path


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def _signature(key: bytes, token: str) -> str:
    mac = hmac.new(key, token.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _session_id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _token_from_cookie(key: bytes, value: str | None) -> str | None:
    if not value or value.count(".") != 1 or len(value) > 200:
        return None
    token, signature = value.split(".")
    if not hmac.compare_digest(_signature(key, token), signature):
        return None
    return token


def set_cookie(
    response: Response,
    rt: Runtime,
    name: str,
    value: str,
    max_age: int,
    *,
    framed: bool = False,
) -> None:
    """``framed``: SameSite=None, so the cookie also travels inside a host's iframe. Browsers
    accept that only with Secure, so it applies only with an https BASE_URL."""
    secure = rt.settings.secure_cookies
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="none" if framed and secure else "lax",
        secure=secure,
    )


def start_session(
    request: Request, response: Response, *, user_id: int, framed: bool = False
) -> None:
    """Log in: a new session id every time (no fixation), and the old session is ended."""
    rt = runtime_of(request)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with write_tx(rt.engine) as conn:
        old = load_session(request)
        if old is not None:
            q.delete_session(conn, session_id=old.session_id)
        q.delete_expired_sessions(conn, now=now)
        q.insert_session(
            conn,
            session_id=_session_id(token),
            user_id=user_id,
            csrf_secret=secrets.token_urlsafe(32),
            now=now,
            expires_at=now + IDLE_TIMEOUT,
        )
    value = f"{token}.{_signature(rt.session_key, token)}"
    set_cookie(response, rt, COOKIE, value, int(MAX_AGE.total_seconds()), framed=framed)


def end_session(request: Request, response: Response) -> None:
    rt = runtime_of(request)
    user = load_session(request)
    if user is not None:
        with write_tx(rt.engine) as conn:
            q.delete_session(conn, session_id=user.session_id)
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="lax", secure=rt.settings.secure_cookies
    )


def confirm_password_entered(rt: Runtime, user: WebUser) -> None:
    with write_tx(rt.engine) as conn:
        q.set_session_authenticated(conn, session_id=user.session_id, now=utcnow())


def end_other_sessions(rt: Runtime, user: WebUser) -> None:
    with write_tx(rt.engine) as conn:
        q.delete_other_sessions(conn, user_id=user.user_id, keep_id=user.session_id)


def load_session(request: Request) -> WebUser | None:
    """The logged-in user of this request, or None; looked up once per request."""
    if hasattr(request.state, "web_user"):
        cached: WebUser | None = request.state.web_user
        return cached
    request.state.web_user = user = _lookup(request)
    return user


def _lookup(request: Request) -> WebUser | None:
    rt = runtime_of(request)
    token = _token_from_cookie(rt.session_key, request.cookies.get(COOKIE))
    if token is None:
        return None
    session_id = _session_id(token)
    now = utcnow()
    with read_tx(rt.engine) as conn:
        row = q.session_with_user(conn, session_id=session_id)
        is_admin = row is not None and account_queries.is_admin_anywhere(conn, user_id=row.user_id)
    if row is None or not row.active or row.expires_at <= now or now - row.created_at > MAX_AGE:
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        with write_tx(rt.engine) as conn:
            q.touch_session(conn, session_id=session_id, now=now, expires_at=now + IDLE_TIMEOUT)
    return WebUser(
        user_id=row.user_id,
        name=row.name,
        email=row.email,
        language=row.language,
        session_id=session_id,
        csrf_token=row.csrf_secret,
        authenticated_at=row.authenticated_at,
        is_admin=is_admin,
    )


def session_alive(rt: Runtime, session_id: str) -> bool:
    """Whether a session still lets its user in (long-lived streams re-check it)."""
    with read_tx(rt.engine) as conn:
        row = q.session_with_user(conn, session_id=session_id)
    return row is not None and bool(row.active) and row.expires_at > utcnow()


def safe_next(value: str | None, default: str = "/") -> str:
    """A local path to return to after login, or ``default``: never another site."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return default
    if "\\" in value or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")


def _request_path(request: Request) -> str:
    path = request.url.path
    return f"{path}?{request.url.query}" if request.url.query else path


def page_user(request: Request) -> WebUser:
    """Dependency for pages: the user, or a redirect to the login page and back."""
    user = load_session(request)
    if user is None:
        raise LoginRequired(_request_path(request))
    return user


def json_user(request: Request) -> WebUser:
    """Dependency for the editor's fetch calls: 401 instead of a redirect."""
    user = load_session(request)
    if user is None:
        raise ApiProblem(401, "Unauthorized", "Your session has ended; log in again.")
    return user


PageUser = Annotated[WebUser, Depends(page_user)]
JsonUser = Annotated[WebUser, Depends(json_user)]
RT = Annotated[Runtime, Depends(runtime_of)]
