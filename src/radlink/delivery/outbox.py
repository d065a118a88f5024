"""The HL7 outbox: rows written in the signing transaction, delivered later by workers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from radlink.delivery import queries as q
from radlink.delivery.hl7 import (
    Addendum,
    OruInput,
    Patient,
    ReportContent,
    Routing,
    Signer,
    Study,
    build_oru_r01,
)
from radlink.errors import NotFound


def control_id(report_id: int, version: int) -> str:
    """MSH-10: stable per report version, so a retried message is recognisably the same one."""
    return f"RL{report_id}.{version}"


def routing_for(destination: Row | None, site_key: str) -> Routing:  # type: ignore[type-arg]
    if destination is None:
        return Routing(site_id=site_key)
    return Routing(
        sending_app=destination.sending_app,
        sending_facility=destination.sending_facility,
        receiving_app=destination.receiving_app,
        receiving_facility=destination.receiving_facility,
        site_id=site_key,
        version=destination.version,
        text_layout=destination.text_layout,
    )


def build_message(
    conn: Connection,
    *,
    report_id: int,
    destination: Row | None,  # type: ignore[type-arg]
    now: datetime,
) -> tuple[str, str, str]:
    """(control id, kind, ER7) for the report as it stands: F first, C once addenda exist."""
    report = q.report_for_message(conn, report_id=report_id)
    if report is None:
        raise NotFound("no such report")
    if report.status != "Final" or report.signed_at is None:
        raise NotFound("the report is not signed")
    extra = tuple(
        Addendum(text=a.text, signer=Signer(str(a.signed_by), a.signer_name), signed_at=a.signed_at)
        for a in q.addenda_of(conn, report_id=report_id)
    )
    kind = "addendum" if extra else "final"
    cid = control_id(report_id, 1 + len(extra))
    message = OruInput(
        routing=routing_for(destination, report.site_key),
        patient=_patient(report),
        study=_study(report),
        content=ReportContent(
            findings=report.findings, impression=report.impression, addenda=extra
        ),
        signer=Signer(str(report.signed_by), report.signer_name or ""),
        signed_at=extra[-1].signed_at if extra else report.signed_at,
        status="C" if extra else "F",
        control_id=cid,
        created_at=now,
    )
    return cid, kind, build_oru_r01(message)


def _patient(report: Any) -> Patient:
    return Patient(
        mrn=report.patient_mrn,
        family_name=report.patient_family_name,
        given_name=report.patient_given_name,
        display_name=report.patient_name,
        birth_date=report.patient_birth_date,
        sex=report.patient_sex,
    )


def _study(report: Any) -> Study:
    return Study(
        accession=report.accession,
        study_description=report.study_description,
        modality=report.modality,
        body_part=report.body_part,
        study_date=report.study_date,
        study_time=report.study_time,
        reason_for_exam=report.reason_for_exam,
        referring_physician=report.referring_physician,
        study_instance_uid=report.study_instance_uid,
    )


def enqueue_signed_report(conn: Connection, *, report_id: int, kind: str, now: datetime) -> None:
    """Queue the report for every destination of its site, when its launch asked for HL7."""
    report = q.report_for_message(conn, report_id=report_id)
    if report is None or report.return_format != "HL7":
        return
    destinations: list[Row | None] = list(q.active_destinations(conn, site_id=report.site_id))  # type: ignore[type-arg]
    if not destinations:
        destinations = [None]  # recorded as no-destination, sent once one is configured
    for destination in destinations:
        cid, built_kind, payload = build_message(
            conn, report_id=report_id, destination=destination, now=now
        )
        q.insert_message(
            conn,
            values={
                "report_id": report_id,
                "site_id": report.site_id,
                "destination_id": destination.id if destination is not None else None,
                "kind": built_kind,
                "control_id": cid,
                "payload": payload,
                "state": "pending" if destination is not None else "no-destination",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        )


def route_waiting_messages(conn: Connection, *, site_id: int, now: datetime) -> int:
    """Give messages recorded while the site had no destination to its destinations now."""
    destinations = q.active_destinations(conn, site_id=site_id)
    if not destinations:
        return 0
    waiting = q.waiting_without_destination(conn, site_id=site_id)
    for message in waiting:
        first, *others = destinations
        for destination in others:
            q.insert_message(conn, values=_copy_for(conn, message, destination, now))
        q.update_message(conn, message_id=message.id, values=_copy_for(conn, message, first, now))
    return len(waiting)


def _copy_for(
    conn: Connection,
    message: Row,  # type: ignore[type-arg]
    destination: Row,  # type: ignore[type-arg]
    now: datetime,
) -> dict[str, Any]:
    # Rebuilt with the destination's routing (MSH-3..6, version, layout); same MSH-10.
    cid, _, payload = build_message(
        conn, report_id=message.report_id, destination=destination, now=message.created_at
    )
    assert cid == message.control_id or message.kind == "final"
    return {
        "report_id": message.report_id,
        "site_id": message.site_id,
        "destination_id": destination.id,
        "kind": message.kind,
        "control_id": message.control_id,
        "payload": payload if cid == message.control_id else message.payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": message.created_at,
    }
