"""Report pages inside a host application: who may frame them, what the page tells its parent,
and assigned links whose sign-in grant logs the assignee in (``/r/<link id>/<grant>``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from radlink.accounts import grants
from radlink.errors import Invalid
from radlink.reports.service import LaunchSite, launch_site
from radlink.runtime import Runtime
from radlink.web.framing import parse_origins
from radlink.web.install import error_page
from radlink.web.session import RT, load_session, start_session

router = APIRouter(include_in_schema=False)


def _origins(site: LaunchSite | None) -> list[str]:
    try:
        return parse_origins(site.frame_ancestors) if site else []
    except Invalid:  # a value stored by hand that is not a list of origins frames nothing
        return []


def framing_for_launch(request: Request, rt: Runtime, launch_id: int) -> LaunchSite | None:
    """Look up the link's site and let its frame ancestors frame this response."""
    site = launch_site(rt.engine, launch_id=launch_id)
    request.state.frame_ancestors = _origins(site)
    return site


def frame_data(request: Request, site: LaunchSite | None, report: Any) -> dict[str, Any]:
    """For postMessage to the host page: exact origins only, and no patient data."""
    return {
        "origins": getattr(request.state, "frame_ancestors", []),
        "site": site.site_key if site else "",
        "accession": report.accession,
        "status": report.status,
    }


@router.get("/r/{link_id}/{grant}")
@router.get("/R/{link_id}/{grant}")  # the upper-cased form a QR code carries
def open_with_grant(request: Request, rt: RT, link_id: str, grant: str) -> Response:
    """An assigned link: the grant logs its user in once, then the stable link opens.

    A used, expired or foreign grant changes nothing: the stable link then asks for a login
    as usual (or opens for whoever is already logged in and may see the report).
    """
    launch_id = rt.links.decode(link_id)
    if launch_id is None:
        return error_page(request, 404)
    response = RedirectResponse(f"/r/{link_id.upper()}", status_code=303)
    user_id = grants.use_sign_in(rt.engine, grant=grant, launch_id=launch_id)
    if user_id is not None:
        current = load_session(request)
        if current is None or current.user_id != user_id:
            framed = bool(_origins(launch_site(rt.engine, launch_id=launch_id)))
            start_session(request, response, user_id=user_id, framed=framed)
    return response
