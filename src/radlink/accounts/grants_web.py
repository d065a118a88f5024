"""The set-password page behind a one-time link that a site admin hands to a new user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from radlink.accounts import grants
from radlink.accounts.login import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from radlink.accounts.passwords import hash_password
from radlink.web.csrf import require_csrf
from radlink.web.session import RT, start_session
from radlink.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
FormStr = Annotated[str, Form()]


@router.get("/set-password/{token}")
def set_password_page(request: Request, rt: RT, token: str) -> Response:
    valid = grants.set_password_user(rt.engine, token=token) is not None
    status = 200 if valid else 410
    return render(
        request, "set_password.html", {"valid": valid, "problem": None}, status_code=status
    )


@router.post("/set-password/{token}")
def set_password_submit(
    request: Request, rt: RT, token: str, new: FormStr = "", confirm: FormStr = ""
) -> Response:
    problem = None
    if new != confirm:
        problem = "mismatch"
    elif len(new) < MIN_PASSWORD_LENGTH:
        problem = "short"
    elif len(new) > MAX_PASSWORD_LENGTH:
        problem = "long"
    if problem is not None:
        valid = grants.set_password_user(rt.engine, token=token) is not None
        context = {"valid": valid, "problem": problem}
        return render(request, "set_password.html", context, status_code=400)
    user_id = grants.use_set_password(rt.engine, token=token, password_hash=hash_password(new))
    if user_id is None:
        context = {"valid": False, "problem": None}
        return render(request, "set_password.html", context, status_code=410)
    response = RedirectResponse("/", status_code=303)
    start_session(request, response, user_id=user_id)
    return response
