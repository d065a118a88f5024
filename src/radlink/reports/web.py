"""Pages of the reporting app for reports: the worklist, ``/r/<link id>`` and the editor's
JSON endpoints (save, sign, addendum, take over) called by ``static/editor.js``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from radlink import ratelimit
from radlink.audit.service import record
from radlink.db import read_tx, write_tx
from radlink.errors import Forbidden, Invalid, NotFound, ServiceError
from radlink.problems import ApiProblem
from radlink.reports import editor
from radlink.reports import queries as q
from radlink.reports.embedding import frame_data, framing_for_launch
from radlink.reports.service import LinkExpired, open_launch
from radlink.reports.worklist import Filters, worklist_page
from radlink.runtime import Runtime
from radlink.web import i18n, throttle
from radlink.web.csrf import require_csrf
from radlink.web.framing import allow_framing
from radlink.web.install import error_page
from radlink.web.session import RT, JsonUser, PageUser, WebUser, load_session, login_url
from radlink.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)


class DraftBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    revision: int
    findings: str = Field(max_length=editor.MAX_TEXT)
    impression: str = Field(max_length=editor.MAX_TEXT)


class AddendumBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=editor.MAX_TEXT)


@router.get("/")
def worklist(request: Request, rt: RT, user: PageUser) -> Response:
    page = worklist_page(
        rt.engine, user_id=user.user_id, filters=Filters.parse(request.query_params)
    )
    links = {row.id: rt.links.encode(row.launch_id) for row in page.rows}
    return render(request, "worklist.html", {"page": page, "links": links})


# Link ids cannot be enumerated (see links.py); this only slows down scanners. Generous, since
# a whole hospital may reach us through one address.
LINK_GUESSES = ratelimit.Limit(rate=0.2, burst=30)


@router.get("/r/{link_id}")
@router.get("/R/{link_id}", include_in_schema=False)  # the upper-cased form a QR code carries
def open_report(request: Request, rt: RT, link_id: str) -> Response:
    client = throttle.client_address(request)
    guesses = f"r404:{client}"[:128]
    if not (brake := ratelimit.check_now(rt.engine, key=guesses, limit=LINK_GUESSES)):
        response = error_page(request, 429)
        response.headers["Retry-After"] = str(brake.retry_after)
        return response
    launch_id = rt.links.decode(link_id)
    if launch_id is None:
        return _not_found(request, rt, guesses)
    site = framing_for_launch(request, rt, launch_id)
    user = load_session(request)
    if user is None:
        return RedirectResponse(login_url(f"/r/{link_id}"), status_code=303)
    try:
        state = open_launch(rt.engine, rt.sealer, launch_id=launch_id, user_id=user.user_id)
        assert state.report_id is not None
        view = editor.load_editor(rt.engine, report_id=state.report_id, user_id=user.user_id)
    except NotFound:
        return _not_found(request, rt, guesses)
    except Forbidden:
        return allow_framing(request, error_page(request, 403))
    except LinkExpired:
        return allow_framing(request, render(request, "link_expired.html", status_code=410))
    report = view.report
    with write_tx(rt.engine) as conn:
        for action, target in (("link.opened", f"launch:{launch_id}"), ("report.viewed", None)):
            record(
                conn,
                action=action,
                site_id=report.site_id,
                user_id=user.user_id,
                target=target or f"report:{report.id}",
                client=client,
            )
    context = {
        "view": view,
        "report": report,
        "link_id": link_id.upper(),
        "speech_lang": i18n.SPEECH_LANG.get(report.speech_language, "en-US"),
        "frame": frame_data(request, site, report),
    }
    page = render(request, "editor.html", context, language=report.app_language)
    return allow_framing(request, page)


def _not_found(request: Request, rt: Runtime, guesses: str) -> Response:
    ratelimit.take_now(rt.engine, key=guesses, limit=LINK_GUESSES)
    return error_page(request, 404)


def _report_id(rt: Runtime, link_id: str) -> int:
    launch_id = rt.links.decode(link_id)
    row = None
    if launch_id is not None:
        with read_tx(rt.engine) as conn:
            row = q.get_launch(conn, launch_id=launch_id)
    if row is None or row.report_id is None:
        raise ApiProblem(404, "Not found")
    return int(row.report_id)


def _refusal(exc: ServiceError) -> JSONResponse:
    """Editor errors as ``{"error": code}``; the page shows them in its own language."""
    body: dict[str, Any] = {"error": "invalid"}
    status = 409
    if isinstance(exc, editor.StaleRevision):
        body = {
            "error": "stale",
            "revision": exc.revision,
            "findings": exc.findings,
            "impression": exc.impression,
        }
    elif isinstance(exc, editor.NotOwner):
        body = {"error": "not_owner", "owner": exc.owner_name}
    elif isinstance(exc, editor.AlreadyFinal):
        body = {"error": "final"}
    elif isinstance(exc, editor.NotFinal):
        body = {"error": "not_final"}
    elif isinstance(exc, editor.EmptyText):
        body, status = {"error": "empty"}, 422
    elif isinstance(exc, Invalid):
        status = 422
    elif isinstance(exc, Forbidden):
        body, status = {"error": "forbidden"}, 403
    elif isinstance(exc, NotFound):
        body, status = {"error": "not_found"}, 404
    return JSONResponse(body, status_code=status)


@router.post("/r/{link_id}/save")
def save(rt: RT, user: JsonUser, link_id: str, body: DraftBody) -> JSONResponse:
    return _write_text(rt, user, link_id, body, editor.save_draft, "saved_at")


@router.post("/r/{link_id}/sign")
def sign(rt: RT, user: JsonUser, link_id: str, body: DraftBody) -> JSONResponse:
    return _write_text(rt, user, link_id, body, editor.sign_report, "signed_at")


def _write_text(
    rt: Runtime,
    user: WebUser,
    link_id: str,
    body: DraftBody,
    action: Callable[..., editor.Saved],
    time_key: str,
) -> JSONResponse:
    """Save or sign: the same text, revision check and answer shape."""
    try:
        saved = action(
            rt.engine,
            report_id=_report_id(rt, link_id),
            user_id=user.user_id,
            revision=body.revision,
            findings=body.findings,
            impression=body.impression,
        )
    except ServiceError as exc:
        return _refusal(exc)
    return JSONResponse({"revision": saved.revision, time_key: saved.at.isoformat()})


@router.post("/r/{link_id}/addendum")
def addendum(rt: RT, user: JsonUser, link_id: str, body: AddendumBody) -> JSONResponse:
    try:
        editor.add_addendum(
            rt.engine, report_id=_report_id(rt, link_id), user_id=user.user_id, text=body.text
        )
    except ServiceError as exc:
        return _refusal(exc)
    return JSONResponse({"ok": True})


@router.post("/r/{link_id}/takeover")
def takeover(rt: RT, user: JsonUser, link_id: str) -> JSONResponse:
    try:
        editor.take_over(rt.engine, report_id=_report_id(rt, link_id), user_id=user.user_id)
    except ServiceError as exc:
        return _refusal(exc)
    return JSONResponse({"ok": True})
