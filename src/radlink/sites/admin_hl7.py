"""The site admin's HL7 page: destinations (the CLI's options), a test message, the log."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, Row

from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_tx
from radlink.delivery import queries as delivery_queries
from radlink.delivery import service as delivery
from radlink.delivery.hl7 import (
    OruInput,
    Patient,
    ReportContent,
    Signer,
    Study,
    TransportError,
    build_oru_r01,
    message_bytes,
)
from radlink.delivery.outbox import routing_for
from radlink.delivery.worker import default_transport
from radlink.errors import Invalid, NotFound
from radlink.settings import Settings
from radlink.sites.admin import Admin


def save_destination(engine: Engine, *, admin: Admin, spec: delivery.DestinationSpec) -> int:
    """Replace the site's destinations with this one (like `radlink sites set-hl7`)."""
    routed = delivery.set_destinations(engine, site_key=admin.site_key, specs=[spec])
    with write_tx(engine) as conn:
        record(
            conn,
            action="site.changed",
            site_id=admin.site_id,
            user_id=admin.user_id,
            target=f"site:{admin.site_id}:hl7",
        )
    return routed


def destinations(engine: Engine, *, admin: Admin) -> list[Row]:  # type: ignore[type-arg]
    return delivery.destinations(engine, site_key=admin.site_key)


@dataclass(frozen=True)
class TestResult:
    ok: bool
    ack_code: str
    detail: str


def _test_message(destination: Row, site_key: str, now: datetime) -> tuple[str, str]:  # type: ignore[type-arg]
    control = "RLTEST" + now.strftime("%Y%m%d%H%M%S")
    # MSH-11 "T" (table 0103, training): receivers can tell it from real results.
    routing = replace(routing_for(destination, site_key), processing_id="T")
    message = OruInput(
        routing=routing,
        patient=Patient(mrn="TEST", family_name="TEST", given_name="RADLINK"),
        study=Study(accession="RADLINK-TEST", study_description="Radlink test message"),
        content=ReportContent(findings="Test message from Radlink.", impression="Test."),
        signer=Signer("0", "Radlink"),
        signed_at=now,
        status="F",
        control_id=control,
        created_at=now,
    )
    return control, build_oru_r01(message)


def send_test(engine: Engine, settings: Settings, *, admin: Admin) -> list[TestResult]:
    """Send a test ORU^R01 (processing id T) to each destination now; nothing is queued."""
    dests = destinations(engine, admin=admin)
    if not dests:
        raise Invalid("no destination")
    results = []
    now = datetime.now(UTC).replace(microsecond=0)
    for dest in dests:
        control, er7 = _test_message(dest, admin.site_key, now)
        transport = default_transport(dest, settings.worker_config())
        try:
            ack = transport.send(message_bytes(er7), control)
            ok = ack.code in ("AA", "CA")
            results.append(TestResult(ok, ack.code, ack.text))
        except TransportError as exc:
            results.append(TestResult(False, "", str(exc)))
        finally:
            transport.close()
    return results


def messages(engine: Engine, *, admin: Admin, state: str | None) -> list[Row]:  # type: ignore[type-arg]
    with read_tx(engine) as conn:
        return delivery_queries.list_messages(conn, site_key=admin.site_key, state=state)


def retry(engine: Engine, *, admin: Admin, message_id: int) -> None:
    with read_tx(engine) as conn:
        message = delivery_queries.get_message(conn, message_id=message_id)
    if message is None or message.site_id != admin.site_id:
        raise NotFound("no such message at this site")
    delivery.retry(engine, message_id=message_id)
    with write_tx(engine) as conn:
        record(
            conn,
            action="site.changed",
            site_id=admin.site_id,
            user_id=admin.user_id,
            target=f"hl7:{message_id}",
            now=utcnow(),
        )
