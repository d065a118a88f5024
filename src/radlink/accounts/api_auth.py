"""API authentication: ``x-access-token`` (or ``Authorization: Bearer``), then the per-token
rate limit, both inside the request's own transaction."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from sqlalchemy import Connection

from radlink import ratelimit
from radlink.accounts.service import Caller, authenticate_caller
from radlink.problems import ApiProblem
from radlink.runtime import Runtime

_CHALLENGE = {"WWW-Authenticate": "Bearer"}

# Documents the header in /openapi.json (the handlers read it themselves, without a dependency).
TOKEN_PARAMETER = {
    "name": "x-access-token",
    "in": "header",
    "required": False,
    "description": "Access token (or send `Authorization: Bearer <token>`).",
    "schema": {"type": "string"},
}


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def token_from(request: Request) -> str:
    token = request.headers.get("x-access-token")
    if not token:
        authorization = request.headers.get("authorization", "")
        if authorization[:7].lower() == "bearer ":
            token = authorization[7:]
    if not token:
        raise ApiProblem(
            401,
            "Unauthorized",
            "Send an access token in the x-access-token header.",
            headers=_CHALLENGE,
        )
    return token.strip()


def authorize(
    conn: Connection, rt: Runtime, token: str, *, site_key: str | None, now: datetime
) -> Caller:
    """The caller, or 401 (bad token) / 429 (over the token's rate). Membership is the
    caller's ``site_id`` (None: not a member of ``site_key``), for the handler to refuse."""
    caller = authenticate_caller(conn, token, site_key=site_key, now=now)
    if caller is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "The access token is unknown, revoked or expired.",
            headers=_CHALLENGE,
        )
    limit = ratelimit.Limit(rt.settings.api_rate, rt.settings.api_burst)
    decision = ratelimit.take(conn, key=f"api:token:{caller.user.token_id}", limit=limit, now=now)
    if not decision:
        raise ApiProblem(
            429,
            "Too many requests",
            f"This token may send {rt.settings.api_rate:g} requests per second.",
            headers={"Retry-After": str(decision.retry_after)},
        )
    return caller
