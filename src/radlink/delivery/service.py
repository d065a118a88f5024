"""Destinations and the message log, for the CLI (and later the admin pages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Row

from radlink.db import read_tx, utcnow, write_tx
from radlink.delivery import queries as q
from radlink.delivery.outbox import build_message, route_waiting_messages
from radlink.errors import Invalid, NotFound
from radlink.reports import queries as report_queries
from radlink.sites import queries as site_queries

VERSIONS = ("2.5.1", "2.3")
LAYOUTS = ("obx-per-line", "tx-repeat")


@dataclass(frozen=True)
class DestinationSpec:
    kind: str = "mllp"
    host: str | None = None
    port: int | None = None
    url: str | None = None
    tls: bool = False
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    sending_app: str = "RADLINK"
    sending_facility: str = ""
    receiving_app: str = ""
    receiving_facility: str = ""
    version: str = "2.5.1"
    text_layout: str = "obx-per-line"

    def check(self) -> None:
        if self.kind == "mllp" and (not self.host or not self.port):
            raise Invalid("an MLLP destination needs --host and --port")
        if self.kind == "http" and not (self.url or "").startswith(("http://", "https://")):
            raise Invalid("an HTTP destination needs --url starting with http:// or https://")
        if self.port is not None and not 1 <= self.port <= 65535:
            raise Invalid("--port must be 1-65535")
        if self.version not in VERSIONS:
            raise Invalid(f"--version accepts {', '.join(VERSIONS)}")
        if self.text_layout not in LAYOUTS:
            raise Invalid(f"--text-layout accepts {', '.join(LAYOUTS)}")
        if (self.ca_file or self.cert_file or self.key_file) and not (
            self.tls or (self.url or "").startswith("https://")
        ):
            raise Invalid("certificate files need --tls")


def set_destinations(
    engine: Engine, *, site_key: str, specs: list[DestinationSpec], replace: bool = True
) -> int:
    """Configure a site's destinations; returns how many waiting messages were routed."""
    for spec in specs:
        spec.check()
    now = utcnow()
    with write_tx(engine) as conn:
        site = site_queries.get_site(conn, site_key=site_key)
        if site is None:
            raise NotFound(f"no site with SiteID {site_key}")
        if replace:
            q.deactivate_destinations(conn, site_id=site.id)
        for spec in specs:
            q.insert_destination(
                conn,
                values={**spec.__dict__, "site_id": site.id, "active": True, "created_at": now},
            )
        return route_waiting_messages(conn, site_id=site.id, now=now)


def destinations(engine: Engine, *, site_key: str) -> list[Row]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        site = site_queries.get_site(conn, site_key=site_key)
        if site is None:
            raise NotFound(f"no site with SiteID {site_key}")
        return q.active_destinations(conn, site_id=site.id)


def preview(engine: Engine, *, report_id: int) -> str:
    with read_tx(engine) as conn:
        report = report_queries.get_report(conn, report_id=report_id)
        if report is None:
            raise NotFound(f"no report with id {report_id}")
        dests = q.active_destinations(conn, site_id=report.site_id)
        return build_message(
            conn, report_id=report_id, destination=dests[0] if dests else None, now=utcnow()
        )[2]


def retry(engine: Engine, *, message_id: int) -> None:
    with write_tx(engine) as conn:
        message = q.get_message(conn, message_id=message_id)
        if message is None:
            raise NotFound(f"no HL7 message with id {message_id}")
        if message.state == "no-destination":
            if route_waiting_messages(conn, site_id=message.site_id, now=utcnow()) == 0:
                raise Invalid("the site has no HL7 destination yet: radlink sites set-hl7")
            return
        if message.state != "parked":
            raise Invalid(f"only parked messages are retried by hand (this one is {message.state})")
        q.update_message(
            conn,
            message_id=message_id,
            values={
                "state": "pending",
                "next_attempt_at": utcnow(),
                "claimed_by": None,
                "claim_expires_at": None,
            },
        )


def message_detail(engine: Engine, *, message_id: int) -> tuple[Row, list[Row]]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        message = q.get_message(conn, message_id=message_id)
        if message is None:
            raise NotFound(f"no HL7 message with id {message_id}")
        return message, q.attempts_of(conn, message_id=message_id)


def delivery_summary(engine: Engine, *, report_id: int) -> dict[str, Any] | None:
    """For API responses: what became of the report's latest HL7 message."""
    with read_tx(engine) as conn:
        row = q.latest_for_report(conn, report_id=report_id)
    if row is None:
        return None
    return {
        "state": row.state,
        "attempts": row.attempts,
        "lastError": row.last_error,
        "deliveredAt": row.delivered_at.isoformat() if row.delivered_at else None,
    }
