"""The delivery worker that `radlink serve` runs in a thread, for single-node set-ups."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from radlink.delivery.worker import Worker
from radlink.runtime import Runtime


@asynccontextmanager
async def embedded_worker(app: FastAPI) -> AsyncIterator[None]:
    rt: Runtime = app.state.runtime
    if not rt.settings.embedded_worker:
        yield
        return
    stop = threading.Event()
    worker = Worker(rt.engine, rt.settings.worker_config())
    thread = threading.Thread(target=worker.run, args=(stop,), name="hl7-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        # Shutdown waits for the attempt in progress (bounded by the ACK timeout).
        stop.set()
        thread.join(timeout=rt.settings.hl7_ack_timeout + rt.settings.hl7_connect_timeout + 5)
