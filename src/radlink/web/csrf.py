"""CSRF protection: a per-session token on every form and in ``X-CSRF-Token`` for fetch calls.

Before login there is no session, so the login form uses a double-submit token: a random
nonce in an HttpOnly cookie and its HMAC in the form. SameSite=Lax alone would leave
same-site subdomains and older browsers able to post forms.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from radlink.web.session import load_session, runtime_of, set_cookie

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
ANON_COOKIE = "radlink_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(Exception):
    """A state-changing request without a valid token; answered with 403."""


def _anon_token(key: bytes, nonce: str) -> str:
    return hmac.new(key, b"anon-csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def token_for(request: Request) -> str:
    """The token to embed in this request's page (creating the anonymous nonce if needed)."""
    user = load_session(request)
    if user is not None:
        return user.csrf_token
    nonce = request.cookies.get(ANON_COOKIE) or getattr(request.state, "new_csrf_nonce", None)
    if not nonce:
        nonce = request.state.new_csrf_nonce = secrets.token_urlsafe(24)
    return _anon_token(runtime_of(request).session_key, nonce)


def set_nonce_cookie(request: Request, response: Response) -> None:
    nonce = getattr(request.state, "new_csrf_nonce", None)
    if nonce:
        set_cookie(response, runtime_of(request), ANON_COOKIE, nonce, 24 * 3600)


def _expected(request: Request) -> str | None:
    user = load_session(request)
    if user is not None:
        return user.csrf_token
    nonce = request.cookies.get(ANON_COOKIE)
    return _anon_token(runtime_of(request).session_key, nonce) if nonce else None


async def require_csrf(request: Request) -> None:
    """Router dependency: unsafe methods must carry the token in the header or the form."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(FIELD)
        given = value if isinstance(value, str) else None
    expected = _expected(request)
    if not given or not expected or not hmac.compare_digest(given, expected):
        raise CsrfRefused()
