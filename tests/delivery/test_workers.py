"""Several workers sharing one database, and a worker killed in the middle of a send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from radlink.db import make_engine, utcnow
from radlink.delivery import service as delivery_service
from radlink.delivery.worker import Worker
from radlink.runtime import Runtime
from tests.conftest import SECRET, World
from tests.delivery.helpers import FAST, control_id, messages, mllp_to, signed
from tests.delivery.hl7.peers import FakeRis

Peer = Callable[..., FakeRis]
REPORTS = 50


def test_two_workers_deliver_fifty_reports_each_once_and_in_order(
    db_url: str, runtime: Runtime, world: World, fake_ris: Peer
) -> None:
    peer = fake_ris("AA")
    mllp_to(runtime.engine, peer.port)
    for i in range(REPORTS):
        signed(runtime, world.alice, f"BULK-{i:03d}")
    stop = threading.Event()
    workers = [Worker(make_engine(db_url), FAST, name=f"w{i}") for i in range(2)]
    threads = [threading.Thread(target=w.run, args=(stop,)) for w in workers]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(m.state == "delivered" for m in messages(runtime.engine)):
            break
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(10)
    for w in workers:
        w.engine.dispose()
    rows = messages(runtime.engine)
    assert [r.state for r in rows] == ["delivered"] * REPORTS
    received = [control_id(raw) for raw in peer.received]
    assert received == [r.control_id for r in rows]  # each once, in signing order
    senders = set()
    for row in rows:
        _, attempts = delivery_service.message_detail(runtime.engine, message_id=row.id)
        assert len(attempts) == 1
        senders.add(attempts[0].worker)
    assert senders <= {"w0", "w1"}


def test_worker_killed_mid_send_is_taken_over_with_the_same_msh10(
    db_url: str, runtime: Runtime, world: World, fake_ris: Peer, tmp_path: object
) -> None:
    peer = fake_ris("silent")  # receives, never answers: the worker waits for the ACK
    mllp_to(runtime.engine, peer.port)
    signed(runtime, world.alice, "KILL-1")
    env = {
        **os.environ,
        "RADLINK_DATABASE_URL": db_url,
        "RADLINK_SECRET_KEY": SECRET,
        "RADLINK_DATA_DIR": str(tmp_path),
        "RADLINK_HL7_ACK_TIMEOUT": "30",
        "RADLINK_WORKER_POLL_SECONDS": "0.05",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "radlink.cli.main", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not peer.received and time.monotonic() < deadline:
            time.sleep(0.05)
        assert peer.received, "the worker never sent"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    [row] = messages(runtime.engine)
    assert row.state == "sending" and row.claimed_by is not None
    peer.mode = "AA"
    worker = Worker(runtime.engine, FAST, name="survivor")
    assert not worker.run_once()  # the dead worker's claim still holds
    later = utcnow() + timedelta(seconds=121)  # past the dead worker's 120 s claim
    assert worker.run_once(now=later)
    worker.close()
    [row] = messages(runtime.engine)
    assert (row.state, row.attempts) == ("delivered", 2)
    assert len(peer.received) == 2 and peer.received[0] == peer.received[1]
    _, attempts = delivery_service.message_detail(runtime.engine, message_id=row.id)
    assert [a.outcome for a in attempts] == ["sending", "delivered"]  # the first never finished
