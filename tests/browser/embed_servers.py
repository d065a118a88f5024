"""Servers for the admin/embedding browser tests: `radlink serve` processes with an admin persona,
and a tiny host page on another loopback port that frames a report and records postMessages."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from radlink.accounts.service import create_token, create_user
from radlink.db import make_engine
from radlink.migrate import upgrade
from radlink.sites.service import create_site
from tests.browser.conftest import radlink_serve as serve


@dataclass(frozen=True)
class Persona:
    email: str
    password: str
    token: str


def seed(db_url: str) -> dict[str, Persona]:
    engine = make_engine(db_url)
    upgrade(engine)
    create_site(engine, site_key="site-a", name="St. Elsewhere Radiology")
    people = {}
    for key, name, role in [
        ("carol", "Carol Clark", "admin"),
        ("alice", "Alice Adams", "radiologist"),
    ]:
        email, password = f"{key}@a.example", f"{key}-browser-password"
        create_user(engine, email=email, name=name, password=password, sites=[("site-a", role)])
        people[key] = Persona(email, password, create_token(engine, email=email, name="seed"))
    engine.dispose()
    return people


@contextmanager
def radlink_serve(data: Path, db_url: str, port: int | None = None) -> Iterator[str]:
    # Delivery workers play no part in these tests.
    with serve(data, db_url, port, {"RADLINK_EMBEDDED_WORKER": "false"}) as base:
        yield base


HOST_PAGE = """<!doctype html><title>Host worklist</title>
<script>
window.received = [];
window.addEventListener("message", function (e) {
  window.received.push({origin: e.origin, data: e.data});
});
</script>
<iframe id="app" src="{src}" width="1000" height="700"></iframe>
"""


@contextmanager
def host_page() -> Iterator[tuple[str, dict[str, str]]]:
    """A host application on its own origin; set ``pages["src"]`` to the frame's URL first."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = HOST_PAGE.replace("{src}", pages.get("src", "about:blank")).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", pages
    finally:
        server.shutdown()
        server.server_close()


def launch(base: str, token: str, accession: str, **extra: object) -> str:
    body = {"clinicalInfo": {"SiteID": "site-a", "Accession": accession}, "result": "link"}
    body.update(extra)  # type: ignore[arg-type]
    response = httpx.post(
        f"{base}/api/report/launch/clinical",
        json=body,
        headers={"x-access-token": token},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    link: str = response.json()["reportLink"]
    return link
