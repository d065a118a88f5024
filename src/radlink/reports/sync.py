"""Window sync (SyncLaunch): a new launch for a user switches their open reporting window.

The page listens on ``GET /events/sync`` (Server-Sent Events). A launch that asks for sync
(``reportingApp.SyncLaunch`` or the user's own setting) publishes the report's stable link
path for its owner:

- on PostgreSQL with ``NOTIFY radlink_sync`` so that every server process hears it; each
  process runs one listener thread on a connection of its own (never one of the pool's);
- on SQLite (one process) through the in-process hub directly.

A stream holds no database connection: it waits on an asyncio queue, sends a heartbeat every
``HEARTBEAT_SECONDS`` (re-checking that the session still exists), and ends on disconnect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool

from radlink.accounts import queries as account_queries
from radlink.db import read_tx, write_tx
from radlink.runtime import Runtime
from radlink.web.session import load_session, runtime_of, session_alive

CHANNEL = "radlink_sync"
HEARTBEAT_SECONDS = 15.0
_log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)


@dataclass(eq=False)
class Subscriber:
    user_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class Hub:
    """Subscribers of this process, by user id; ``dispatch`` may be called from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[int, set[Subscriber]] = {}

    def subscribe(self, user_id: int) -> Subscriber:
        sub = Subscriber(user_id, asyncio.get_running_loop())
        with self._lock:
            self._subscribers.setdefault(user_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            subs = self._subscribers.get(sub.user_id, set())
            subs.discard(sub)
            if not subs:
                self._subscribers.pop(sub.user_id, None)

    def count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subscribers.values())

    def dispatch(self, user_id: int, path: str) -> None:
        with self._lock:
            subs = list(self._subscribers.get(user_id, ()))
        for sub in subs:
            try:
                sub.loop.call_soon_threadsafe(sub.queue.put_nowait, path)
            except RuntimeError:  # its event loop has closed
                self.unsubscribe(sub)


class _PgListener(threading.Thread):
    """LISTEN on a dedicated psycopg connection; reconnects after errors."""

    def __init__(self, dsn: str, hub: Hub) -> None:
        super().__init__(name="radlink-sync-listener", daemon=True)
        self.dsn = dsn
        self.hub = hub
        self.ready = threading.Event()

    def run(self) -> None:
        import psycopg

        while True:
            try:
                with psycopg.connect(self.dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.ready.set()
                    while True:
                        for note in conn.notifies(timeout=5.0):
                            _deliver(self.hub, note.payload)
            except Exception:  # the database went away: try again shortly
                _log.warning("sync listener lost its connection; reconnecting")
                self.ready.clear()
                threading.Event().wait(1.0)


def _deliver(hub: Hub, payload: str) -> None:
    user, _, path = payload.partition(" ")
    if user.isdigit() and path.startswith("/r/"):
        hub.dispatch(int(user), path)


_hubs: dict[str, Hub] = {}
_listeners: dict[str, _PgListener] = {}
_lock = threading.Lock()


def hub_for(rt: Runtime) -> Hub:
    key = rt.engine.url.render_as_string(hide_password=False)
    with _lock:
        hub = _hubs.setdefault(key, Hub())
        if rt.engine.dialect.name == "postgresql" and key not in _listeners:
            dsn = rt.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            _listeners[key] = listener = _PgListener(dsn, hub)
            listener.start()
    return hub


def listener_ready(rt: Runtime, timeout: float = 5.0) -> bool:
    """For tests: the process's LISTEN is in place (always true on SQLite)."""
    hub_for(rt)
    listener = _listeners.get(rt.engine.url.render_as_string(hide_password=False))
    return listener is None or listener.ready.wait(timeout)


def publish(rt: Runtime, *, user_id: int, path: str) -> None:
    if rt.engine.dialect.name == "postgresql":
        with write_tx(rt.engine) as conn:
            conn.execute(select(func.pg_notify(CHANNEL, f"{user_id} {path}")))
    else:
        hub_for(rt).dispatch(user_id, path)


def launched(rt: Runtime, *, user_id: int, link: str, requested: bool) -> None:
    """After a launch: switch the owner's windows when the launch or the owner asks for it."""
    if not requested:
        with read_tx(rt.engine) as conn:
            user = account_queries.get_user(conn, user_id=user_id)
        if user is None or not user.sync_launch:
            return
    path = "/".join(urlsplit(link).path.split("/")[:3])  # /r/<id>, never the sign-in grant
    publish(rt, user_id=user_id, path=path)


def _event(name: str, data: dict[str, str]) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


@router.get("/events/sync")
async def events(request: Request) -> Response:
    user = await run_in_threadpool(load_session, request)
    if user is None:
        return Response(status_code=401)
    rt = runtime_of(request)
    hub = await run_in_threadpool(hub_for, rt)
    sub = hub.subscribe(user.user_id)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            while True:
                try:
                    path = await asyncio.wait_for(sub.queue.get(), timeout=HEARTBEAT_SECONDS)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    if not await run_in_threadpool(session_alive, rt, user.session_id):
                        yield _event("ended", {})
                        return
                    yield ": heartbeat\n\n"
                    continue
                yield _event("launch", {"link": path})
        finally:
            hub.unsubscribe(sub)

    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)
