"""Site administration pages, ``/admin/<SiteID>/...``: members, reports, settings, HL7.

Every route depends on ``site_admin``: an admin of that site, or the same 403 page for
everyone else (including SiteIDs that do not exist).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from radlink.delivery.service import DestinationSpec
from radlink.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from radlink.reports.normalise import LANGUAGES
from radlink.sites import admin, admin_hl7
from radlink.web.csrf import require_csrf
from radlink.web.install import error_page
from radlink.web.session import RT, PageUser
from radlink.web.templating import render

router = APIRouter(dependencies=[Depends(require_csrf)], include_in_schema=False)
FormStr = Annotated[str, Form()]
MESSAGE_STATES = ("pending", "sending", "delivered", "parked", "no-destination")


class NotSiteAdmin(Exception):
    """Answered with the 403 page."""


def site_admin(site_key: str, rt: RT, user: PageUser) -> admin.Admin:
    found = admin.admin_of(rt.engine, user_id=user.user_id, site_key=site_key)
    if found is None:
        raise NotSiteAdmin()
    return found[0]


SiteAdmin = Annotated[admin.Admin, Depends(site_admin)]


def _page(request: Request, rt: RT, who: admin.Admin, template: str, **context: Any) -> Response:
    found = admin.admin_of(rt.engine, user_id=who.user_id, site_key=who.site_key)
    assert found is not None
    status = context.pop("status_code", 200)
    values = {"site": found[1], "section": template.removeprefix("admin_").removesuffix(".html")}
    return render(request, template, values | context, status_code=status)


def _back(who: admin.Admin, section: str, **params: str) -> RedirectResponse:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return RedirectResponse(
        f"/admin/{who.site_key}/{section}" + (f"?{query}" if query else ""), status_code=303
    )


@router.get("/admin")
def admin_home(request: Request, rt: RT, user: PageUser) -> Response:
    sites = admin.administered_sites(rt.engine, user_id=user.user_id)
    if not sites:
        return error_page(request, 403)
    if len(sites) == 1:
        return RedirectResponse(f"/admin/{sites[0].site_key}/users", status_code=303)
    return render(request, "admin_sites.html", {"sites": sites})


# --- Members ----------------------------------------------------------------------------------


def _users_page(request: Request, rt: RT, who: admin.Admin, **context: Any) -> Response:
    context.setdefault("error", request.query_params.get("error"))
    members = admin.members(rt.engine, admin=who)
    return _page(request, rt, who, "admin_users.html", members=members, link=None, **context)


@router.get("/admin/{site_key}/users")
def users_page(request: Request, rt: RT, who: SiteAdmin) -> Response:
    return _users_page(request, rt, who)


def _password_link(request: Request, rt: RT, token: str) -> str:
    return f"{rt.settings.base_url}/set-password/{token}"


@router.post("/admin/{site_key}/users")
def add_user(
    request: Request,
    rt: RT,
    who: SiteAdmin,
    email: FormStr = "",
    name: FormStr = "",
    role: FormStr = "radiologist",
) -> Response:
    try:
        token = admin.add_member(rt.engine, admin=who, email=email, name=name, role=role)
    except (Invalid, Forbidden):
        return _users_page(request, rt, who, error="add", status_code=400)
    link = _password_link(request, rt, token)
    members = admin.members(rt.engine, admin=who)
    return _page(
        request, rt, who, "admin_users.html", members=members, link=link, error=None, email=email
    )


@router.post("/admin/{site_key}/users/{user_id}/{action}")
def change_user(
    request: Request,
    rt: RT,
    who: SiteAdmin,
    user_id: int,
    action: str,
    role: FormStr = "",
    sync_launch: FormStr = "",
) -> Response:
    try:
        if action == "role":
            admin.set_role(rt.engine, admin=who, user_id=user_id, role=role)
        elif action == "sync":
            admin.set_sync(rt.engine, admin=who, user_id=user_id, sync_launch=sync_launch == "on")
        elif action == "deactivate":
            admin.deactivate(rt.engine, admin=who, user_id=user_id)
        elif action == "reactivate":
            admin.reactivate(rt.engine, admin=who, user_id=user_id)
        elif action == "password-link":
            token = admin.password_link_token(rt.engine, admin=who, user_id=user_id)
            members = admin.members(rt.engine, admin=who)
            link = _password_link(request, rt, token)
            return _page(
                request, rt, who, "admin_users.html", members=members, link=link, error=None
            )
        else:
            return error_page(request, 404)
    except NotFound:
        return error_page(request, 404)
    except (Conflict, Invalid):
        return _back(who, "users", error="self" if user_id == who.user_id else "change")
    return _back(who, "users")


# --- Reports ----------------------------------------------------------------------------------


@router.get("/admin/{site_key}/reports")
def reports_page(request: Request, rt: RT, who: SiteAdmin, q: str = "", page: int = 1) -> Response:
    page = max(1, min(page, 10_000))
    rows = admin.reports(rt.engine, admin=who, search=q.strip()[:64], page=page)
    return _page(
        request,
        rt,
        who,
        "admin_reports.html",
        rows=rows[: admin.PAGE_SIZE],
        has_next=len(rows) > admin.PAGE_SIZE,
        page=page,
        search=q.strip()[:64],
        links={row.id: rt.links.encode(row.launch_id) for row in rows},
        members=[m for m in admin.members(rt.engine, admin=who) if m.active],
        error=request.query_params.get("error"),
    )


@router.post("/admin/{site_key}/reports/{report_id}/reassign")
def reassign(
    request: Request, rt: RT, who: SiteAdmin, report_id: int, owner_id: FormStr = ""
) -> Response:
    try:
        admin.reassign(rt.engine, admin=who, report_id=report_id, owner_id=int(owner_id or "0"))
    except (ServiceError, ValueError):
        return _back(who, "reports", error="reassign")
    return _back(who, "reports")


# --- Settings ---------------------------------------------------------------------------------


@router.get("/admin/{site_key}/settings")
def settings_page(request: Request, rt: RT, who: SiteAdmin) -> Response:
    saved = "saved" in request.query_params
    return _page(request, rt, who, "admin_settings.html", error=None, saved=saved, codes=LANGUAGES)


@router.post("/admin/{site_key}/settings")
def save_settings(
    request: Request,
    rt: RT,
    who: SiteAdmin,
    name: FormStr = "",
    default_app_language: FormStr = "en",
    default_speech_language: FormStr = "en",
    date_order: FormStr = "MDY",
    prelaunch_lifetime_days: FormStr = "",
    frame_ancestors: FormStr = "",
) -> Response:
    days = prelaunch_lifetime_days.strip()
    try:
        if days and not days.isdigit():
            raise Invalid("lifetime")
        settings = admin.SiteSettings(
            name=name,
            default_app_language=default_app_language,
            default_speech_language=default_speech_language,
            date_order=date_order,
            prelaunch_lifetime_days=int(days) if days else None,
            frame_ancestors=frame_ancestors,
        )
        admin.update_settings(rt.engine, admin=who, settings=settings)
    except Invalid as exc:
        return _page(
            request,
            rt,
            who,
            "admin_settings.html",
            error=str(exc),
            saved=False,
            codes=LANGUAGES,
            status_code=400,
        )
    return _back(who, "settings", saved="1")


# --- HL7 --------------------------------------------------------------------------------------


def _hl7_page(request: Request, rt: RT, who: admin.Admin, **context: Any) -> Response:
    state = request.query_params.get("state")
    state = state if state in MESSAGE_STATES else None
    context.setdefault("error", request.query_params.get("error"))
    context.setdefault("results", None)
    return _page(
        request,
        rt,
        who,
        "admin_hl7.html",
        destinations=admin_hl7.destinations(rt.engine, admin=who),
        messages=admin_hl7.messages(rt.engine, admin=who, state=state),
        state=state,
        states=MESSAGE_STATES,
        **context,
    )


@router.get("/admin/{site_key}/hl7")
def hl7_page(request: Request, rt: RT, who: SiteAdmin) -> Response:
    return _hl7_page(request, rt, who, saved="saved" in request.query_params)


@router.post("/admin/{site_key}/hl7")
def save_hl7(
    request: Request,
    rt: RT,
    who: SiteAdmin,
    kind: FormStr = "mllp",
    host: FormStr = "",
    port: FormStr = "",
    url: FormStr = "",
    tls: FormStr = "",
    ca_file: FormStr = "",
    cert_file: FormStr = "",
    key_file: FormStr = "",
    sending_app: FormStr = "RADLINK",
    sending_facility: FormStr = "",
    receiving_app: FormStr = "",
    receiving_facility: FormStr = "",
    version: FormStr = "2.5.1",
    text_layout: FormStr = "obx-per-line",
) -> Response:
    try:
        spec = DestinationSpec(
            kind="http" if kind == "http" else "mllp",
            host=host.strip() or None,
            port=int(port) if port.strip() else None,
            url=url.strip() or None,
            tls=tls == "on",
            ca_file=ca_file.strip() or None,
            cert_file=cert_file.strip() or None,
            key_file=key_file.strip() or None,
            sending_app=sending_app.strip(),
            sending_facility=sending_facility.strip(),
            receiving_app=receiving_app.strip(),
            receiving_facility=receiving_facility.strip(),
            version=version,
            text_layout=text_layout,
        )
        admin_hl7.save_destination(rt.engine, admin=who, spec=spec)
    except (Invalid, ValueError) as exc:
        return _hl7_page(request, rt, who, error="destination", detail=str(exc), saved=False)
    return _back(who, "hl7", saved="1")


@router.post("/admin/{site_key}/hl7/test")
def test_hl7(request: Request, rt: RT, who: SiteAdmin) -> Response:
    try:
        results = admin_hl7.send_test(rt.engine, rt.settings, admin=who)
    except Invalid:
        return _hl7_page(request, rt, who, error="no_destination", saved=False)
    return _hl7_page(request, rt, who, results=results, saved=False)


@router.post("/admin/{site_key}/hl7/messages/{message_id}/retry")
def retry_message(request: Request, rt: RT, who: SiteAdmin, message_id: int) -> Response:
    try:
        admin_hl7.retry(rt.engine, admin=who, message_id=message_id)
    except NotFound:
        return error_page(request, 404)
    except Invalid:
        return _back(who, "hl7", error="retry")
    return _back(who, "hl7")


def install(app: FastAPI) -> None:
    app.include_router(router)

    @app.exception_handler(NotSiteAdmin)
    async def _refused(request: Request, exc: NotSiteAdmin) -> Response:
        return error_page(request, 403)
