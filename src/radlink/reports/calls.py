"""What one API call does, in one database transaction: authenticate, rate-limit, validate,
find or create, and audit. One transaction instead of five is most of the launch's speed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection

from radlink.accounts.api_auth import authorize
from radlink.accounts.service import Caller
from radlink.audit.service import record
from radlink.db import utcnow, write_retrying, write_tx
from radlink.errors import NotFound
from radlink.problems import ApiProblem, field_errors, invalid
from radlink.reports import service, sync
from radlink.reports.assign import launch_for
from radlink.reports.request import launch_problem_for_non_member, parse_launch, site_key_of
from radlink.reports.schemas import LaunchRequest, StatusBody
from radlink.runtime import Runtime


@dataclass(frozen=True)
class Launched:
    state: service.LaunchState
    request: LaunchRequest
    link: str


def launch_call(rt: Runtime, *, token: str, body: Any, client: str | None) -> Launched:
    site_key = site_key_of(body)
    now = utcnow()

    def attempt(conn: Connection) -> tuple[Caller, LaunchRequest, service.LaunchState | None]:
        caller = authorize(conn, rt, token, site_key=site_key, now=now)
        if site_key and caller.site_id is None:
            raise launch_problem_for_non_member()  # before validation: reveal nothing
        req = parse_launch(
            body, date_order=caller.date_order, default_languages=caller.default_languages
        )
        if caller.site_id is None:  # a SiteID that is not a string fails parse_launch first
            raise launch_problem_for_non_member()
        if req.assignee is not None:
            return caller, req, None  # assignment: the slower path below
        actor = service.Actor(caller.user.user_id, caller.user.name, caller.user.email)
        state = service.launch_in(conn, rt.sealer, caller.site_id, actor, req)
        _audit_launch(conn, caller, state, client)
        return caller, req, state

    caller, req, state = write_retrying(rt.engine, attempt)
    assert caller.site_id is not None
    if state is None:
        # userInfo: admin check, assignee, sign-in grant and window sync (reports/assign.py).
        state, link = launch_for(rt, token_user=caller.user, site_id=caller.site_id, request=req)
        with write_tx(rt.engine) as conn:
            _audit_launch(conn, caller, state, client)
        return Launched(state, req, link)
    link = rt.report_link(state.launch_id)
    if req.sync_launch or caller.sync_launch:
        sync.launched(rt, user_id=caller.user.user_id, link=link, requested=True)
    return Launched(state, req, link)


def _audit_launch(
    conn: Connection, caller: Caller, state: service.LaunchState, client: str | None
) -> None:
    record(
        conn,
        action="launch",
        site_id=caller.site_id,
        user_id=caller.user.user_id,
        token_id=caller.user.token_id,
        target=f"launch:{state.launch_id}",
        client=client,
    )


def status_call(rt: Runtime, *, token: str, body: Any) -> service.LaunchState:
    try:
        parsed: StatusBody | None = StatusBody.model_validate(body)
        problem = None
    except ValidationError as exc:
        parsed, problem = None, invalid(field_errors(exc))

    def attempt(conn: Connection) -> service.LaunchState:
        if conn.dialect.name == "postgresql":
            # Nothing durable is written here (only the rate bucket): no need to wait for fsync.
            conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")
        caller = authorize(
            conn, rt, token, site_key=parsed.SiteID if parsed else None, now=utcnow()
        )
        if parsed is None:
            assert problem is not None
            raise problem
        if caller.site_id is None:
            raise launch_problem_for_non_member()
        try:
            return service.report_status_in(
                conn, site_id=caller.site_id, accession=parsed.Accession
            )
        except NotFound as exc:
            raise ApiProblem(404, "Not found", str(exc)) from None

    return write_retrying(rt.engine, attempt)
