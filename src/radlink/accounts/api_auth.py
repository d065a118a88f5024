"""The API's authentication dependency: ``x-access-token`` or ``Authorization: Bearer``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from radlink import ratelimit
from radlink.accounts.service import TokenUser, authenticate_token
from radlink.problems import ApiProblem
from radlink.runtime import Runtime


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


async def api_user(
    rt: Annotated[Runtime, Depends(runtime)],
    x_access_token: Annotated[str | None, Header(include_in_schema=True)] = None,
    authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> TokenUser:
    token = x_access_token
    if not token and authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:]
    if not token:
        raise ApiProblem(
            401,
            "Unauthorized",
            "Send an access token in the x-access-token header.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    user = authenticate_token(rt.engine, token.strip())
    if user is None:
        raise ApiProblem(
            401,
            "Unauthorized",
            "The access token is unknown, revoked or expired.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    limit = ratelimit.Limit(rt.settings.api_rate, rt.settings.api_burst)
    decision = ratelimit.take_now(rt.engine, key=f"api:token:{user.token_id}", limit=limit)
    if not decision:
        raise ApiProblem(
            429,
            "Too many requests",
            f"This token may send {rt.settings.api_rate:g} requests per second.",
            headers={"Retry-After": str(decision.retry_after)},
        )
    return user
