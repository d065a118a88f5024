"""HTTP routes of the Report Generation API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from radlink.accounts.api_auth import TOKEN_PARAMETER, runtime, token_from
from radlink.delivery.service import delivery_summary
from radlink.http_body import read_json
from radlink.reports import service
from radlink.reports.calls import launch_call, status_call
from radlink.reports.qr import qr_data_uri
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


def _documented(body_schema: str) -> dict[str, Any]:
    return {
        "parameters": [TOKEN_PARAMETER],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": f"#/components/schemas/{body_schema}"}}
            },
        },
    }


@router.post(
    "/launch/clinical",
    summary="Create or find a report and return its link and/or QR code",
    response_model=LaunchResponse,
    responses=_ERRORS,
    openapi_extra=_documented("LaunchBody"),
)
async def launch_clinical(request: Request) -> JSONResponse:
    rt = runtime(request)
    token = token_from(request)
    body = await read_json(request)
    done = launch_call(rt, token=token, body=body, client=client_address(request))
    out = _state_body(rt, done.state)
    out["reportLink"] = done.link
    if done.request.result == "qrcode":
        del out["reportLink"]
    if done.request.result in ("qrcode", "all"):
        # Both spellings: the published document uses each in different places.
        qr = qr_data_uri(done.link, done.request.qr_size, done.request.qr_mode)
        out["reportQrCode"] = out["reportQRCode"] = qr
    return JSONResponse(out)


@router.post(
    "/status",
    summary="The current status of a launched accession, changing nothing",
    response_model=LaunchResponse,
    responses={**_ERRORS, 404: {**_PROBLEM, "description": "Accession never launched"}},
    openapi_extra=_documented("StatusBody"),
)
async def report_status(request: Request) -> JSONResponse:
    rt = runtime(request)
    token = token_from(request)
    body = await read_json(request)
    return JSONResponse(_state_body(rt, status_call(rt, token=token, body=body)))


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
