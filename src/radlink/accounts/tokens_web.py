"""The Access tokens page: create (shown once), list and revoke; asks for the password again
when it was last entered more than 30 minutes ago."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from radlink.accounts import queries as q
from radlink.accounts import service, tokens
from radlink.audit.service import record_now
from radlink.db import read_tx, utcnow
from radlink.errors import Invalid, NotFound
from radlink.web.session import RT, PageUser, WebUser
from radlink.web.templating import render

router = APIRouter()
PAGE = "/settings/tokens"
EXPIRY_CHOICES = (7, 30, 90, 365)


def _confirm_first(user: WebUser) -> RedirectResponse | None:
    if user.logged_in_recently():
        return None
    return RedirectResponse(f"/settings/confirm?next={PAGE}", status_code=303)


def _status(row: Any) -> str:
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at is not None and row.expires_at <= utcnow():
        return "expired"
    return "active"


def _page(
    request: Request,
    rt: RT,
    user: WebUser,
    *,
    new_token: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    with read_tx(rt.engine) as conn:
        rows = q.list_tokens(conn, user_id=user.user_id)
    tokens = [{"row": row, "status": _status(row)} for row in rows]
    context = {
        "tokens": tokens,
        "new_token": new_token,
        "error": error,
        "expiry_choices": EXPIRY_CHOICES,
    }
    return render(request, "tokens.html", context, status_code=status_code)


@router.get(PAGE)
def tokens_page(request: Request, rt: RT, user: PageUser) -> Response:
    return _confirm_first(user) or _page(request, rt, user)


@router.post(PAGE)
def create_token(
    request: Request,
    rt: RT,
    user: PageUser,
    name: Annotated[str, Form()] = "",
    expires_in_days: Annotated[str, Form()] = "",
) -> Response:
    if redirect := _confirm_first(user):
        return redirect
    days = int(expires_in_days) if expires_in_days.isdigit() else None
    if not name.strip() or len(name) > 100 or (days is not None and days not in EXPIRY_CHOICES):
        return _page(request, rt, user, error="name", status_code=400)
    try:
        token = service.create_token(rt.engine, email=user.email, name=name, expires_in_days=days)
    except Invalid:
        return _page(request, rt, user, error="name", status_code=400)
    _audit(rt, "token.created", user, tokens.prefix_of(token))
    return _page(request, rt, user, new_token=token)


@router.post(PAGE + "/{prefix}/revoke")
def revoke_token(request: Request, rt: RT, user: PageUser, prefix: str) -> Response:
    if redirect := _confirm_first(user):
        return redirect
    try:
        service.revoke_token(rt.engine, prefix=prefix, user_id=user.user_id)
    except NotFound:
        return _page(request, rt, user, error="revoke", status_code=404)
    _audit(rt, "token.revoked", user, prefix)
    return RedirectResponse(PAGE, status_code=303)


def _audit(rt: RT, action: str, user: WebUser, prefix: str) -> None:
    record_now(rt.engine, action=action, user_id=user.user_id, target=f"token:{prefix}"[:64])
