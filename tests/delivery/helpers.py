from __future__ import annotations

from typing import Any

import hl7
from sqlalchemy import Engine, select

from radlink.delivery.service import DestinationSpec, set_destinations
from radlink.delivery.tables import hl7_messages
from radlink.delivery.worker import Worker, WorkerConfig
from radlink.reports import editor, service
from radlink.reports.request import parse_launch
from radlink.runtime import Runtime
from radlink.sites.tables import sites
from tests.conftest import Persona

FAST = WorkerConfig(
    connect_timeout=2,
    ack_timeout=2,
    claim_seconds=5,
    retry_base_seconds=0.01,
    retry_cap_seconds=0.05,
    poll_seconds=0.02,
)


def site_id(engine: Engine, key: str = "site-a") -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(sites.c.id).where(sites.c.site_key == key)).scalar_one())


def draft(rt: Runtime, who: Persona, accession: str, **tags: Any) -> int:
    body = {
        "tags": {
            "SiteID": "site-a",
            "Accession": accession,
            "ReturnFormat": "HL7",
            "PatientMRN": "MRN1",
            "PatientName": "Doe^Jane",
            **tags,
        },
        "result": "link",
    }
    actor = service.Actor(who.user_id, who.name, who.email)
    state = service.launch(
        rt.engine, rt.sealer, site_id=site_id(rt.engine), actor=actor, request=parse_launch(body)
    )
    assert state.report_id is not None
    return state.report_id


def signed(
    rt: Runtime,
    who: Persona,
    accession: str,
    findings: str = "Normal.",
    impression: str = "No acute disease.",
    **tags: Any,
) -> int:
    report_id = draft(rt, who, accession, **tags)
    editor.sign_report(
        rt.engine,
        report_id=report_id,
        user_id=who.user_id,
        revision=1,
        findings=findings,
        impression=impression,
    )
    return report_id


def mllp_to(engine: Engine, port: int, **extra: Any) -> None:
    set_destinations(
        engine, site_key="site-a", specs=[DestinationSpec(host="127.0.0.1", port=port, **extra)]
    )


def messages(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(hl7_messages).order_by(hl7_messages.c.id)))


def drain(worker: Worker, limit: int = 200) -> int:
    """Run steps until nothing is due; returns how many steps did work."""
    done = 0
    while done < limit and worker.run_once():
        done += 1
    return done


def control_id(raw: bytes) -> str:
    return str(hl7.parse(raw.decode("utf-8")).segment("MSH")[10])
