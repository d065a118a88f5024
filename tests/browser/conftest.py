"""A real `radlink serve` on a free loopback port, its own data folder and SQLite file, and
Debian's Chromium driven by Playwright. One server and one browser per module.

Without Chromium or Playwright these tests skip, unless RADLINK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from radlink.accounts.service import create_token, create_user
from radlink.db import make_engine
from radlink.migrate import upgrade
from radlink.sites.service import create_site

CHROMIUM = "/usr/bin/chromium"
REQUIRE = os.environ.get("RADLINK_REQUIRE_BROWSER") == "1"
SECRET = "browser-test-secret-0123456789abcdefghijklmnopqrstuvwxyz"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"browser tests are required (RADLINK_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class User:
    email: str
    password: str
    token: str


@dataclass(frozen=True)
class Server:
    base_url: str
    alice: User
    bob: User
    mallory: User
    log: Path

    def launch(self, accession: str, **tags: Any) -> str:
        """Launch through the API as alice (lazily) and return the report link."""
        body = {
            "tags": {"SiteID": "site-a", "Accession": accession, **tags},
            "result": "link",
            "lazyLaunch": True,
        }
        response = httpx.post(
            f"{self.base_url}/api/report/launch/clinical",
            json=body,
            headers={"x-access-token": self.alice.token},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        link: str = response.json()["reportLink"]
        return link


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _seed(db_url: str) -> dict[str, User]:
    engine = make_engine(db_url)
    upgrade(engine)
    create_site(engine, site_key="site-a", name="St. Elsewhere Radiology")
    create_site(engine, site_key="site-b", name="Other Hospital")
    users = {}
    for key, email, name, site in [
        ("alice", "alice@a.example", "Alice Adams", "site-a"),
        ("bob", "bob@a.example", "Bob Brown", "site-a"),
        ("mallory", "mallory@b.example", "Mallory Moss", "site-b"),
    ]:
        password = f"{key}-browser-password"
        create_user(
            engine, email=email, name=name, password=password, sites=[(site, "radiologist")]
        )
        users[key] = User(email, password, create_token(engine, email=email, name="seed"))
    engine.dispose()
    return users


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("browser-server")
    db_url = f"sqlite:///{data / 'radlink.sqlite3'}"
    users = _seed(db_url)
    with radlink_serve(data, db_url) as base:
        log = next(data.glob("server-*.log"))
        try:
            yield Server(base, users["alice"], users["bob"], users["mallory"], log)
        finally:
            sys.stdout.write(
                "\n--- radlink serve log ---\n" + log.read_text(errors="replace")[-4000:]
            )


@contextmanager
def radlink_serve(
    data: Path, db_url: str, port: int | None = None, extra_env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real `radlink serve` on a free loopback port; yields its base URL, stops it after."""
    port = port or _free_port()
    base = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "RADLINK_DATA_DIR": str(data),
        "RADLINK_DATABASE_URL": db_url,
        "RADLINK_SECRET_KEY": SECRET,
        "RADLINK_BASE_URL": base,
        "RADLINK_LOG_LEVEL": "warning",
        **(extra_env or {}),
    }
    log = data / f"server-{port}.log"
    radlink = Path(sys.executable).with_name("radlink")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(radlink), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base, process, log)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_up(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"radlink serve exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail("radlink serve did not answer within 20 s")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        _unavailable(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    ctx.set_default_timeout(5000)
    yield ctx
    ctx.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
