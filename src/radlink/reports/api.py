"""HTTP routes of the Report Generation API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from radlink.accounts import queries as account_queries
from radlink.accounts.api_auth import api_user, runtime
from radlink.accounts.service import TokenUser
from radlink.audit.service import record_now
from radlink.db import read_tx
from radlink.delivery.service import delivery_summary
from radlink.errors import NotFound
from radlink.http_body import read_json
from radlink.problems import ApiProblem, field_errors, invalid
from radlink.reports import service
from radlink.reports.assign import launch_for
from radlink.reports.qr import qr_data_uri
from radlink.reports.request import launch_problem_for_non_member, parse_launch, site_key_of
from radlink.reports.schemas import LaunchBody, LaunchResponse, Problem, StatusBody
from radlink.runtime import Runtime
from radlink.web.throttle import client_address

router = APIRouter(prefix="/api/report", tags=["reports"])

_PROBLEM = {"model": Problem, "content": {"application/problem+json": {}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {**_PROBLEM, "description": text}
    for status, text in {
        400: "Body is not JSON or not UTF-8",
        401: "Missing, unknown, revoked or expired access token",
        403: "The token's user is not a member of that SiteID, or userInfo without a site "
        "admin's token",
        413: "Body larger than 1 MiB",
        415: "Content-Type is not application/json",
        422: "Invalid fields; `errors` lists each",
        429: "Too many requests for this token; wait `Retry-After` seconds",
        431: "Request headers too large",
    }.items()
}
RT = Annotated[Runtime, Depends(runtime)]
User = Annotated[TokenUser, Depends(api_user)]


def _membership(rt: Runtime, user: TokenUser, site_key: str | None) -> Any:
    if not site_key:
        return None
    with read_tx(rt.engine) as conn:
        return account_queries.site_membership(conn, user_id=user.user_id, site_key=site_key)


@router.post(
    "/launch/clinical",
    summary="Create or find a report and return its link and/or QR code",
    response_model=LaunchResponse,
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/LaunchBody"}}
            },
        }
    },
)
async def launch_clinical(request: Request, rt: RT, user: User) -> JSONResponse:
    body = await read_json(request)
    membership = _membership(rt, user, site_key_of(body))
    if membership is None and site_key_of(body):
        raise launch_problem_for_non_member()
    req = parse_launch(
        body,
        date_order=membership.date_order if membership else "MDY",
        default_languages=(
            (membership.default_app_language, membership.default_speech_language)
            if membership
            else ("en", "en")
        ),
    )
    if membership is None:  # a SiteID that is not a string fails parse_launch first
        raise launch_problem_for_non_member()
    # userInfo assignment, sign-in grant and SyncLaunch: see reports/assign.py.
    state, link = launch_for(rt, token_user=user, site_id=membership.id, request=req)
    record_now(
        rt.engine,
        action="launch",
        site_id=membership.id,
        user_id=user.user_id,
        token_id=user.token_id,
        target=f"launch:{state.launch_id}",
        client=client_address(request),
    )
    out = _state_body(rt, state)
    out["reportLink"] = link
    if req.result == "qrcode":
        del out["reportLink"]
    if req.result in ("qrcode", "all"):
        # Both spellings: the published document uses each in different places.
        out["reportQrCode"] = out["reportQRCode"] = qr_data_uri(link, req.qr_size, req.qr_mode)
    return JSONResponse(out)


@router.post(
    "/status",
    summary="The current status of a launched accession, changing nothing",
    response_model=LaunchResponse,
    responses={**_ERRORS, 404: {**_PROBLEM, "description": "Accession never launched"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/StatusBody"}}
            },
        }
    },
)
async def report_status(request: Request, rt: RT, user: User) -> JSONResponse:
    body = await read_json(request)
    try:
        parsed = StatusBody.model_validate(body)
    except ValidationError as exc:
        raise invalid(field_errors(exc)) from None
    membership = _membership(rt, user, parsed.SiteID)
    if membership is None:
        raise launch_problem_for_non_member()
    try:
        state = service.report_status(rt.engine, site_id=membership.id, accession=parsed.Accession)
    except NotFound as exc:
        raise ApiProblem(404, "Not found", str(exc)) from None
    return JSONResponse(_state_body(rt, state))


def _state_body(rt: Runtime, state: service.LaunchState) -> dict[str, Any]:
    owner = (
        {} if state.owner_email is None else {"name": state.owner_name, "email": state.owner_email}
    )
    out = {"status": state.status, "owner": owner, "reportLink": rt.report_link(state.launch_id)}
    if state.status == "Final" and state.report_id is not None:
        # Messages exist only for signed reports: no extra query on the common paths.
        delivery = delivery_summary(rt.engine, report_id=state.report_id)
        if delivery is not None:
            out["delivery"] = delivery
    return out


OPENAPI_MODELS = (LaunchBody, StatusBody)
