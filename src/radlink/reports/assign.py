"""Assigning a launch to a named user (``userInfo``): who may, and the link's sign-in grant."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from radlink.accounts import grants
from radlink.accounts import queries as account_queries
from radlink.accounts.service import TokenUser, authenticate_token, ensure_member
from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_tx
from radlink.errors import Forbidden, Invalid
from radlink.problems import ApiProblem, invalid
from radlink.reports import service, sync
from radlink.reports.schemas import Assignee, LaunchRequest
from radlink.reports.service import Actor, LaunchState
from radlink.runtime import Runtime


def _is_site_admin(
    engine: Engine, *, token_user: TokenUser, site_id: int, auth: str | None
) -> bool:
    """The header token's user, or the ``Auth`` token's user, is an admin of the site."""
    with read_tx(engine) as conn:
        if account_queries.site_role(conn, user_id=token_user.user_id, site_id=site_id) == "admin":
            return True
    if not auth:
        return False
    other = authenticate_token(engine, auth.strip())
    if other is None:
        return False
    with read_tx(engine) as conn:
        return account_queries.site_role(conn, user_id=other.user_id, site_id=site_id) == "admin"


def resolve_assignee(
    engine: Engine, *, token_user: TokenUser, site_id: int, assignee: Assignee
) -> Actor:
    """The user to own the report, created as a site member if unknown; Forbidden unless an
    admin of the site asks."""
    if not _is_site_admin(engine, token_user=token_user, site_id=site_id, auth=assignee.auth):
        raise Forbidden("only a site admin's token can assign reports to users")
    with write_tx(engine) as conn:
        member = ensure_member(conn, site_id=site_id, email=assignee.email, name=assignee.name)
        if member.created:
            record(
                conn,
                action="user.created",
                site_id=site_id,
                user_id=token_user.user_id,
                token_id=token_user.token_id,
                target=f"user:{member.user_id}",
            )
    return Actor(member.user_id, member.name, member.email)


def sign_in_grant(engine: Engine, *, user_id: int, launch_id: int, minutes: int) -> str:
    with write_tx(engine) as conn:
        return grants.mint_sign_in(
            conn,
            user_id=user_id,
            launch_id=launch_id,
            lifetime=timedelta(minutes=minutes),
            now=utcnow(),
        )


def launch_for(
    rt: Runtime, *, token_user: TokenUser, site_id: int, request: LaunchRequest
) -> tuple[LaunchState, str]:
    """Launch as the token's user, assigning to ``userInfo``'s user when an admin asks.

    Returns the state and the link to hand out: the stable link, plus the assignee's one-time
    sign-in grant when assigned. Then tells the owner's open windows (SyncLaunch).
    """
    actor = Actor(token_user.user_id, token_user.name, token_user.email)
    owner = None
    if request.assignee is not None:
        try:
            owner = resolve_assignee(
                rt.engine, token_user=token_user, site_id=site_id, assignee=request.assignee
            )
        except Forbidden as exc:
            raise ApiProblem(403, "Forbidden", str(exc)) from None
        except Invalid as exc:
            raise invalid([{"field": "userInfo.UserEmail", "message": str(exc)}]) from None
    state = service.launch(
        rt.engine,
        rt.sealer,
        site_id=site_id,
        actor=actor,
        request=request,
        owner=owner,
        token_id=token_user.token_id,
    )
    link = rt.report_link(state.launch_id)
    if owner is not None:
        grant = sign_in_grant(
            rt.engine,
            user_id=owner.user_id,
            launch_id=state.launch_id,
            minutes=rt.settings.grant_minutes,
        )
        link = f"{link}/{grant}"
    sync.launched(rt, user_id=(owner or actor).user_id, link=link, requested=request.sync_launch)
    return state, link
