"""Delivery worker: claims due outbox rows atomically and sends them, one step at a time.

Each attempt is recorded (state ``sending``) before the network call, so a worker killed
mid-send leaves a claim that expires; another worker then resends the same bytes with the same
MSH-10, which the receiver recognises as a repeat.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Row

from radlink.audit.service import record
from radlink.db import read_tx, utcnow, write_tx
from radlink.delivery import queries as q
from radlink.delivery.hl7 import (
    Ack,
    HttpTransport,
    MllpTransport,
    Transport,
    TransportError,
    classify,
    message_bytes,
)
from radlink.delivery.policy import backoff

log = logging.getLogger("radlink.delivery")


@dataclass(frozen=True)
class WorkerConfig:
    connect_timeout: float = 10.0
    ack_timeout: float = 30.0
    claim_seconds: float = 120.0  # longer than one attempt can take
    retry_base_seconds: float = 5.0
    retry_cap_seconds: float = 600.0
    poll_seconds: float = 1.0


TransportFactory = Callable[[Row, WorkerConfig], Transport]  # type: ignore[type-arg]


def default_transport(destination: Row, config: WorkerConfig) -> Transport:  # type: ignore[type-arg]
    if destination.kind == "http":
        return HttpTransport(
            destination.url, ca_file=destination.ca_file, timeout=config.ack_timeout
        )
    return MllpTransport(
        destination.host,
        destination.port,
        tls=destination.tls,
        ca_file=destination.ca_file,
        cert_file=destination.cert_file,
        key_file=destination.key_file,
        connect_timeout=config.connect_timeout,
        ack_timeout=config.ack_timeout,
    )


@dataclass(frozen=True)
class Claimed:
    message_id: int
    attempt_id: int
    control_id: str
    payload: str
    attempts: int
    destination: Row  # type: ignore[type-arg]


class Worker:
    def __init__(
        self,
        engine: Engine,
        config: WorkerConfig | None = None,
        *,
        name: str | None = None,
        transport_factory: TransportFactory = default_transport,
    ) -> None:
        self.engine = engine
        self.config = config or WorkerConfig()
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self._factory = transport_factory
        self._transports: dict[int, Transport] = {}

    def run_once(self, now: datetime | None = None) -> bool:
        """Send at most one due message; False when there was nothing to do."""
        now = now or utcnow()
        with read_tx(self.engine) as conn:
            due = q.next_due(conn, now=now)
        for message_id in due:
            claimed = self._claim(message_id, now)
            if claimed is not None:
                self._attempt(claimed)
                return True
        return False

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set; an attempt in progress is always finished first."""
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # a database hiccup must not end the loop
                log.exception("delivery step failed")
                busy = False
            if not busy:
                stop.wait(self.config.poll_seconds)
        self.close()

    def close(self) -> None:
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()

    def _claim(self, message_id: int, now: datetime) -> Claimed | None:
        until = now + timedelta(seconds=self.config.claim_seconds)
        with write_tx(self.engine) as conn:
            if not q.claim(conn, message_id=message_id, worker=self.name, now=now, until=until):
                return None
            message = q.get_message(conn, message_id=message_id)
            assert message is not None
            destination = q.get_destination(conn, destination_id=message.destination_id)
            assert destination is not None
            attempt_id = q.insert_attempt(
                conn,
                values={
                    "message_id": message_id,
                    "worker": self.name,
                    "started_at": now,
                    "outcome": "sending",
                },
            )
        return Claimed(
            message_id,
            attempt_id,
            message.control_id,
            message.payload,
            message.attempts,
            destination,
        )

    def _attempt(self, claimed: Claimed) -> None:
        ack: Ack | None = None
        try:
            ack = self._transport(claimed.destination).send(
                message_bytes(claimed.payload), claimed.control_id
            )
            outcome = classify(ack)
            error = None if outcome == "delivered" else f"{ack.code}: {ack.text}".strip(": ")
        except TransportError as exc:
            outcome = "park" if exc.permanent else "retry"
            error = str(exc)
        except (OSError, ValueError) as exc:  # e.g. an unreadable certificate file
            outcome, error = "retry", f"{type(exc).__name__}: {exc}"
        self._record(claimed, outcome, error, ack)

    def _record(self, claimed: Claimed, outcome: str, error: str | None, ack: Ack | None) -> None:
        now = utcnow()
        values: dict[str, object] = {
            "claimed_by": None,
            "claim_expires_at": None,
            "last_error": error,
            "ack_code": ack.code if ack else None,
            "ack_text": ack.text if ack else None,
        }
        if outcome == "delivered":
            values.update(state="delivered", delivered_at=now)
        elif outcome == "park":
            values.update(state="parked")
        else:
            delay = backoff(
                claimed.attempts,
                base_seconds=self.config.retry_base_seconds,
                cap_seconds=self.config.retry_cap_seconds,
            )
            values.update(state="pending", next_attempt_at=now + delay)
        with write_tx(self.engine) as conn:
            q.update_message(conn, message_id=claimed.message_id, values=values)
            q.finish_attempt(
                conn,
                attempt_id=claimed.attempt_id,
                values={
                    "finished_at": now,
                    "outcome": "parked" if outcome == "park" else outcome,
                    "ack_code": ack.code if ack else None,
                    "detail": error,
                },
            )
            if outcome in ("delivered", "park"):
                record(
                    conn,
                    action="hl7.delivered" if outcome == "delivered" else "hl7.parked",
                    site_id=claimed.destination.site_id,
                    target=f"hl7:{claimed.message_id}",
                    outcome="ok" if outcome == "delivered" else "parked",
                    now=now,
                )
        log.info("hl7 message %s attempt %s: %s", claimed.message_id, claimed.attempts, outcome)

    def _transport(self, destination: Row) -> Transport:  # type: ignore[type-arg]
        transport = self._transports.get(destination.id)
        if transport is None:
            transport = self._factory(destination, self.config)
            self._transports[destination.id] = transport
        return transport
