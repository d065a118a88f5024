"""Two `radlink serve` and two `radlink worker` processes sharing one PostgreSQL database.

Concurrent launches of the same accessions through both servers must give one report and one
link each; signed reports must reach the receiver exactly once each, in signing order, whichever
worker sends them.

PostgreSQL only (SQLite is one process by design). Like the rest of the suite, it is skipped when
PostgreSQL is unreachable, and fails instead when RADLINK_REQUIRE_POSTGRES=1.
"""

from __future__ import annotations

import random
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import httpx2
import pytest
from sqlalchemy import Engine, text

from radlink.delivery.service import DestinationSpec, set_destinations
from radlink.reports import editor
from radlink.runtime import Runtime
from tests.conftest import World
from tests.delivery.helpers import control_id, draft, messages
from tests.delivery.hl7.peers import FakeRis, LoopThread
from tests.reliability.servers import Process, free_port, radlink_env, start, wait_until_up
from tests.reports.helpers import LAUNCH

pytestmark = pytest.mark.postgres

ACCESSIONS = 20
REQUESTS_PER_ACCESSION = 4  # two through each server
THREADS = 8
SIGNATURES = 50
DEADLINE_SECONDS = 45


def _servers(tmp_path: Path, db_url: str) -> list[Process]:
    processes = []
    for n in range(2):
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = radlink_env(
            tmp_path,
            db_url,
            base,
            RADLINK_EMBEDDED_WORKER="false",
            RADLINK_API_RATE="10000",
            RADLINK_API_BURST="10000",
        )
        args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
        processes.append(start(args, env, tmp_path / f"serve-{n}.log", base))
    return processes


def _workers(tmp_path: Path, db_url: str) -> list[Process]:
    env = radlink_env(
        tmp_path,
        db_url,
        "http://127.0.0.1:9",
        RADLINK_WORKER_POLL_SECONDS="0.05",
        RADLINK_HL7_ACK_TIMEOUT="5",
        RADLINK_HL7_RETRY_BASE_SECONDS="0.1",
    )
    return [start(["worker"], env, tmp_path / f"worker-{n}.log") for n in range(2)]


def _stop_all(processes: list[Process]) -> None:
    """SIGTERM to all first (they stop in parallel), then kill whatever is left."""
    for process in processes:
        process.signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait(5)


def _launch_concurrently(servers: list[Process], token: str) -> dict[str, set[str]]:
    """Every accession launched REQUESTS_PER_ACCESSION times, half through each server."""
    jobs = [
        (f"MANY-{n}", servers[k % 2].base_url)
        for n in range(ACCESSIONS)
        for k in range(REQUESTS_PER_ACCESSION)
    ]
    random.shuffle(jobs)
    links: dict[str, set[str]] = {f"MANY-{n}": set() for n in range(ACCESSIONS)}
    failures: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(THREADS)

    def client(thread_no: int) -> None:
        mine = jobs[thread_no::THREADS]
        with httpx2.Client(timeout=10, headers={"x-access-token": token}) as http:
            start_together.wait(10)
            for accession, base in mine:
                body = {
                    "tags": {"SiteID": "site-a", "Accession": accession, "ReturnFormat": "HL7"},
                    "result": "link",
                }
                response = http.post(base + LAUNCH, json=body)
                with lock:
                    if response.status_code != 200:
                        failures.append(f"{accession}: {response.status_code} {response.text}")
                    else:
                        links[accession].add(response.json()["reportLink"].rsplit("/r/", 1)[1])

    threads = [threading.Thread(target=client, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
        assert not thread.is_alive(), "a launch client hung"
    assert not failures, failures
    return links


def _one_of_each(engine: Engine) -> None:
    with engine.connect() as conn:
        for table in ("launches", "reports"):
            counts = conn.execute(
                text(f"SELECT accession, count(*) FROM {table} GROUP BY accession")
            ).all()
            assert len(counts) == ACCESSIONS, (table, counts)
            assert {count for _, count in counts} == {1}, (table, counts)


def _wait_for_deliveries(engine: Engine, workers: list[Process]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            delivered = conn.execute(
                text("SELECT count(*) FROM hl7_messages WHERE state = 'delivered'")
            ).scalar_one()
        if delivered == SIGNATURES:
            return
        for worker in workers:
            assert worker.popen.poll() is None, f"a worker exited: {worker.tail()}"
        time.sleep(0.1)
    raise AssertionError(f"{delivered}/{SIGNATURES} delivered after 30 s")


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_two_servers_and_two_workers_share_postgresql(
    db_url: str, runtime: Runtime, world: World, tmp_path: Path
) -> None:
    engine = runtime.engine
    started = time.monotonic()
    loop = LoopThread()
    ris = FakeRis(loop, "AA")
    processes: list[Process] = []
    try:
        ris.start()
        servers = _servers(tmp_path, db_url)
        processes += servers
        processes += _workers(tmp_path, db_url)
        for server in servers:
            wait_until_up(server)
        up = time.monotonic()

        links = _launch_concurrently(servers, world.alice.token)
        assert all(len(found) == 1 for found in links.values()), links
        _one_of_each(engine)

        set_destinations(
            engine, site_key="site-a", specs=[DestinationSpec(host="127.0.0.1", port=ris.port)]
        )
        with engine.connect() as conn:
            report_ids = [
                int(r) for r in conn.execute(text("SELECT id FROM reports ORDER BY id")).scalars()
            ]
        report_ids += [
            draft(runtime, world.alice, f"MANY-EXTRA-{n}")
            for n in range(SIGNATURES - len(report_ids))
        ]
        random.shuffle(report_ids)  # signing order need not follow report ids
        for report_id in report_ids:
            editor.sign_report(
                engine,
                report_id=report_id,
                user_id=world.alice.user_id,
                revision=1,
                findings="Normal.",
                impression="No acute disease.",
            )
        signed_order = [row.control_id for row in messages(engine)]
        assert len(signed_order) == SIGNATURES

        signing_done = time.monotonic()
        _wait_for_deliveries(engine, processes[2:])
        delivered = time.monotonic()
        received = [control_id(raw) for raw in ris.received]
        assert received == signed_order  # each exactly once, in signing order
        rows = messages(engine)
        assert {row.attempts for row in rows} == {1}
        with engine.connect() as conn:
            by_worker = Counter(conn.execute(text("SELECT worker FROM hl7_attempts")).scalars())
        elapsed = time.monotonic() - started
        print(
            f"\nmany processes (PostgreSQL): {ACCESSIONS * REQUESTS_PER_ACCESSION} concurrent "
            f"launches of {ACCESSIONS} accessions through 2 servers -> {ACCESSIONS} reports; "
            f"{SIGNATURES} signatures -> {len(received)} deliveries, 0 duplicates, in order; "
            f"attempts per worker {sorted(by_worker.values())}; {elapsed:.1f} s in all "
            f"(start-up {up - started:.1f} s, delivery {delivered - signing_done:.1f} s)"
        )
        assert elapsed < DEADLINE_SECONDS
    finally:
        _stop_all(processes)
        ris.stop()
        loop.stop()
    for process in processes:
        assert process.popen.returncode == 0, process.tail()
