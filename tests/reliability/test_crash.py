"""`radlink serve` killed with SIGKILL under a load of launches loses nothing it acknowledged.

Each round: a few client threads launch new accessions (non-lazy, so each 200 means a launch row
and a report) until the server is killed at a random moment; the server is restarted and every
acknowledged launch must be found with the same link, the database must be intact, and no launch
may be half-created.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from tests.conftest import World
from tests.reliability.servers import Process, start_server
from tests.reports.helpers import LAUNCH

ROUNDS = 2
THREADS = 4
MAX_REQUESTS_PER_ROUND = 150


def _load(
    server: Process, token: str, round_no: int, acked: dict[str, str], tried: list[int]
) -> None:
    lock = threading.Lock()
    counter = iter(range(MAX_REQUESTS_PER_ROUND))

    def client(thread_no: int) -> None:
        with httpx.Client(base_url=server.base_url, timeout=5) as http:
            for n in counter:
                accession = f"CRASH-{round_no}-{thread_no}-{n}"
                body = {"tags": {"SiteID": "site-a", "Accession": accession}, "result": "link"}
                with lock:
                    tried[0] += 1
                try:
                    response = http.post(LAUNCH, json=body, headers={"x-access-token": token})
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    with lock:
                        acked[accession] = response.json()["reportLink"]

    threads = [threading.Thread(target=client, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(0.2, 1.2))
    server.signal(signal.SIGKILL)
    server.wait(10)
    for thread in threads:
        thread.join(10)


def _check_consistency(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").first() is None
        half = conn.execute(
            text(
                "SELECT count(*) FROM launches WHERE report_id IS NULL AND accession LIKE 'CRASH-%'"
            )
        ).scalar()
        assert half == 0, "a non-lazy launch without its report"
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM reports r WHERE NOT EXISTS "
                "(SELECT 1 FROM launches l WHERE l.report_id = r.id)"
            )
        ).scalar()
        assert orphans == 0, "a report without its launch"


def test_acknowledged_launches_survive_sigkill(
    db_url: str, engine: Engine, world: World, tmp_path: Path
) -> None:
    acked: dict[str, str] = {}
    tried = [0]
    log = tmp_path / "serve.log"
    extra = {
        "RADLINK_EMBEDDED_WORKER": "false",
        "RADLINK_API_RATE": "10000",
        "RADLINK_API_BURST": "10000",
    }
    for round_no in range(ROUNDS):
        server = start_server(tmp_path, db_url, log, **extra)
        _load(server, world.alice.token, round_no, acked, tried)
    server = start_server(tmp_path, db_url, log, **extra)
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as http:
            for accession, link in acked.items():
                body = {"SiteID": "site-a", "Accession": accession}
                response = http.post("/api/report/status", json=body, headers=world.alice.headers)
                assert response.status_code == 200, (accession, response.text)
                # Same link id (each run of the server listens on a new port).
                assert response.json()["reportLink"].rsplit("/r/")[1] == link.rsplit("/r/")[1]
                assert response.json()["status"] == "Draft"
    finally:
        server.stop()
    assert server.popen.returncode == 0
    _check_consistency(engine)
    print(
        f"\ncrash test ({engine.dialect.name}): {tried[0]} launches tried, {len(acked)} "
        f"acknowledged, {ROUNDS} SIGKILLs survived, 0 acknowledged launches lost"
    )
    assert acked, "no launch was acknowledged before the kills"
