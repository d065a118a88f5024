"""Pages of the reporting app for accounts: login, logout, settings, password, language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from radlink.accounts import login, tokens_web
from radlink.accounts import queries as q
from radlink.audit.service import record_now
from radlink.db import read_tx
from radlink.web import i18n, throttle
from radlink.web.csrf import require_csrf
from radlink.web.session import (
    RT,
    PageUser,
    confirm_password_entered,
    end_other_sessions,
    end_session,
    load_session,
    safe_next,
    start_session,
)
from radlink.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
router.include_router(tokens_web.router)
FormStr = Annotated[str, Form()]


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if load_session(request) is not None:
        return _see_other(safe_next(next))
    return render(request, "login.html", {"next": safe_next(next), "error": None, "email": ""})


@router.post("/login")
def login_submit(
    request: Request, rt: RT, email: FormStr = "", password: FormStr = "", next: FormStr = "/"
) -> Response:
    client = throttle.client_address(request)
    keys = throttle.keys_for(email, client)
    context = {"next": safe_next(next), "email": email[:254]}
    if throttle.is_throttled(rt.engine, keys):
        login.check_password(rt.engine, email="", password=password)  # same time as a refusal
        record_now(rt.engine, action="login.failure", outcome="throttled", client=client)
        return render(request, "login.html", {**context, "error": "throttled"}, status_code=429)
    user_id = login.check_password(rt.engine, email=email, password=password)
    if user_id is None:
        throttle.record_failure(rt.engine, keys)
        # No user id or email: an unknown address typed into the form is not recorded either.
        record_now(rt.engine, action="login.failure", outcome="refused", client=client)
        return render(request, "login.html", {**context, "error": "invalid"}, status_code=401)
    throttle.record_success(rt.engine, keys)
    record_now(rt.engine, action="login.success", user_id=user_id, client=client)
    response = _see_other(safe_next(next))
    start_session(request, response, user_id=user_id)
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    response = _see_other("/login")
    end_session(request, response)
    return response


@router.get("/settings")
def settings_page(request: Request, rt: RT, user: PageUser) -> Response:
    with read_tx(rt.engine) as conn:
        sites = q.list_memberships(conn, user_id=user.user_id)
    return render(
        request, "settings.html", {"sites": sites, "saved": "saved" in request.query_params}
    )


@router.post("/settings/language")
def set_language(
    request: Request, rt: RT, user: PageUser, language: FormStr = "", next: FormStr = "/settings"
) -> Response:
    login.set_language(rt.engine, user_id=user.user_id, language=i18n.normalise(language))
    return _see_other(safe_next(next, "/settings"))


@router.get("/settings/password")
def password_page(request: Request, user: PageUser) -> Response:
    return render(request, "password.html", {"problem": None, "done": False})


@router.post("/settings/password")
def password_submit(
    request: Request,
    rt: RT,
    user: PageUser,
    current: FormStr = "",
    new: FormStr = "",
    confirm: FormStr = "",
) -> Response:
    problem = login.change_password(
        rt.engine, user_id=user.user_id, current=current, new=new, confirm=confirm
    )
    if problem is not None:
        return render(
            request, "password.html", {"problem": problem, "done": False}, status_code=400
        )
    confirm_password_entered(rt, user)
    end_other_sessions(rt, user)
    return render(request, "password.html", {"problem": None, "done": True})


@router.get("/settings/confirm")
def confirm_page(request: Request, user: PageUser, next: str = "/settings/tokens") -> Response:
    return render(request, "confirm.html", {"next": safe_next(next), "error": False})


@router.post("/settings/confirm")
def confirm_submit(
    request: Request, rt: RT, user: PageUser, password: FormStr = "", next: FormStr = "/"
) -> Response:
    keys = throttle.keys_for(user.email, throttle.client_address(request))
    throttled = throttle.is_throttled(rt.engine, keys)
    ok = login.check_password(rt.engine, email=user.email, password=password) == user.user_id
    if throttled or not ok:
        if not ok:
            throttle.record_failure(rt.engine, keys)
        return render(
            request, "confirm.html", {"next": safe_next(next), "error": True}, status_code=401
        )
    confirm_password_entered(rt, user)
    return _see_other(safe_next(next))
