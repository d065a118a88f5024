"""What a site admin may do to their site: members, reports, settings. Each write is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row

from radlink.accounts import grants
from radlink.accounts import queries as account_queries
from radlink.accounts.service import ROLES, ensure_member
from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_tx
from radlink.errors import Conflict, Forbidden, Invalid, NotFound
from radlink.reports import admin_queries as report_queries
from radlink.reports.normalise import LANGUAGES
from radlink.sites import queries as q
from radlink.web import queries as web_queries
from radlink.web.framing import parse_origins

DATE_ORDERS = ("MDY", "DMY")
MAX_LIFETIME_DAYS = 3650


@dataclass(frozen=True)
class Admin:
    """An admin acting on one site."""

    user_id: int
    site_id: int
    site_key: str


def admin_of(engine: Engine, *, user_id: int, site_key: str) -> tuple[Admin, Row] | None:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        site = q.get_site(conn, site_key=site_key)
        if site is None:
            return None
        if account_queries.site_role(conn, user_id=user_id, site_id=site.id) != "admin":
            return None
    return Admin(user_id, site.id, site.site_key), site


def administered_sites(engine: Engine, *, user_id: int) -> list[Row]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        return q.administered_sites(conn, user_id=user_id)


# --- Members ----------------------------------------------------------------------------------


def members(engine: Engine, *, admin: Admin) -> list[Row]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        return account_queries.site_members(conn, site_id=admin.site_id)


def add_member(engine: Engine, *, admin: Admin, email: str, name: str, role: str) -> str:
    """Add a user (new or existing) to the site; returns a set-password token for new ones."""
    if not name.strip():
        raise Invalid("name must not be empty")
    with write_tx(engine) as conn:
        member = ensure_member(conn, site_id=admin.site_id, email=email, name=name, role=role)
        record(
            conn,
            action="user.created" if member.created else "user.changed",
            site_id=admin.site_id,
            user_id=admin.user_id,
            target=f"user:{member.user_id}",
        )
    return grants.mint_set_password(engine, user_id=member.user_id)


def _member(conn: Any, admin: Admin, user_id: int) -> None:
    if account_queries.site_role(conn, user_id=user_id, site_id=admin.site_id) is None:
        raise NotFound("no such member of this site")


def _audit(conn: Any, admin: Admin, user_id: int) -> None:
    record(
        conn,
        action="user.changed",
        site_id=admin.site_id,
        user_id=admin.user_id,
        target=f"user:{user_id}",
    )


def set_role(engine: Engine, *, admin: Admin, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise Invalid("unknown role")
    if user_id == admin.user_id and role != "admin":
        raise Conflict("you cannot remove your own admin role")
    with write_tx(engine) as conn:
        _member(conn, admin, user_id)
        account_queries.set_role(conn, user_id=user_id, site_id=admin.site_id, role=role)
        _audit(conn, admin, user_id)


def set_sync(engine: Engine, *, admin: Admin, user_id: int, sync_launch: bool) -> None:
    with write_tx(engine) as conn:
        _member(conn, admin, user_id)
        account_queries.set_sync_launch(conn, user_id=user_id, sync_launch=sync_launch)
        _audit(conn, admin, user_id)


def deactivate(engine: Engine, *, admin: Admin, user_id: int) -> None:
    """Sessions and tokens stop working at once.

    A user of this site only is deactivated (sessions deleted, tokens revoked). A user who also
    belongs to other sites loses this site only: an admin of one site does not decide for others.
    """
    if user_id == admin.user_id:
        raise Conflict("you cannot deactivate yourself")
    now = utcnow()
    with write_tx(engine) as conn:
        _member(conn, admin, user_id)
        if account_queries.membership_count(conn, user_id=user_id) > 1:
            account_queries.delete_membership(conn, user_id=user_id, site_id=admin.site_id)
        else:
            account_queries.set_user_active(conn, user_id=user_id, active=False)
            account_queries.revoke_user_tokens(conn, user_id=user_id, now=now)
            web_queries.delete_other_sessions(conn, user_id=user_id, keep_id="")
        _audit(conn, admin, user_id)


def reactivate(engine: Engine, *, admin: Admin, user_id: int) -> None:
    with write_tx(engine) as conn:
        _member(conn, admin, user_id)
        account_queries.set_user_active(conn, user_id=user_id, active=True)
        _audit(conn, admin, user_id)


def password_link_token(engine: Engine, *, admin: Admin, user_id: int) -> str:
    with read_tx(engine) as conn:
        _member(conn, admin, user_id)
    return grants.mint_set_password(engine, user_id=user_id)


# --- Reports ----------------------------------------------------------------------------------

PAGE_SIZE = 50


def reports(engine: Engine, *, admin: Admin, search: str, page: int) -> list[Row]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        return report_queries.site_reports(
            conn,
            site_id=admin.site_id,
            search=search or None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )


def reassign(engine: Engine, *, admin: Admin, report_id: int, owner_id: int) -> None:
    """Give a site's draft to another member (signed reports keep their signer)."""
    now = utcnow()
    with write_tx(engine) as conn:
        role = account_queries.site_role(conn, user_id=owner_id, site_id=admin.site_id)
        owner = account_queries.get_user(conn, user_id=owner_id)
        if role is None or owner is None or not owner.active:
            raise Forbidden("the new owner must be an active member of this site")
        written = report_queries.reassign(
            conn, report_id=report_id, site_id=admin.site_id, owner_id=owner_id, now=now
        )
        if written != 1:
            raise Conflict("only a draft of this site can be reassigned")
        record(
            conn,
            action="report.reassigned",
            site_id=admin.site_id,
            user_id=admin.user_id,
            target=f"report:{report_id}",
            now=now,
        )


# --- Settings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSettings:
    name: str
    default_app_language: str
    default_speech_language: str
    date_order: str
    prelaunch_lifetime_days: int | None
    frame_ancestors: str

    def checked(self) -> dict[str, Any]:
        if not self.name.strip() or len(self.name) > 200:
            raise Invalid("name")
        if self.default_app_language not in LANGUAGES:
            raise Invalid("app_language")
        if self.default_speech_language not in LANGUAGES:
            raise Invalid("speech_language")
        if self.date_order not in DATE_ORDERS:
            raise Invalid("date_order")
        days = self.prelaunch_lifetime_days
        if days is not None and not 1 <= days <= MAX_LIFETIME_DAYS:
            raise Invalid("lifetime")
        try:
            origins = parse_origins(self.frame_ancestors)
        except Invalid:
            raise Invalid("frame_ancestors") from None
        return {
            "name": self.name.strip(),
            "default_app_language": self.default_app_language,
            "default_speech_language": self.default_speech_language,
            "date_order": self.date_order,
            "prelaunch_lifetime_days": days,
            "frame_ancestors": " ".join(origins) or None,
        }


def update_settings(engine: Engine, *, admin: Admin, settings: SiteSettings) -> None:
    """Raises Invalid whose message names the field at fault."""
    values = settings.checked()
    with write_tx(engine) as conn:
        q.update_site(conn, site_id=admin.site_id, values=values)
        record(
            conn,
            action="site.changed",
            site_id=admin.site_id,
            user_id=admin.user_id,
            target=f"site:{admin.site_id}",
        )
