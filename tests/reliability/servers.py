"""Real `radlink serve` / `radlink worker` processes on 127.0.0.1, for tests that need them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import SECRET

RADLINK = str(Path(sys.executable).with_name("radlink"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def radlink_env(data_dir: Path, db_url: str, base_url: str, **extra: str) -> dict[str, str]:
    return os.environ | {
        "RADLINK_DATA_DIR": str(data_dir),
        "RADLINK_DATABASE_URL": db_url,
        "RADLINK_SECRET_KEY": SECRET,
        "RADLINK_BASE_URL": base_url,
        "RADLINK_LOG_LEVEL": "warning",
        **extra,
    }


@dataclass
class Process:
    popen: subprocess.Popen[bytes]
    log: Path
    base_url: str = ""

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:]

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def start(args: list[str], env: dict[str, str], log: Path, base_url: str = "") -> Process:
    out = log.open("ab")
    popen = subprocess.Popen([RADLINK, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return Process(popen, log, base_url)


def start_server(data_dir: Path, db_url: str, log: Path, **extra: str) -> Process:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = radlink_env(data_dir, db_url, base, **extra)
    process = start(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log, base)
    wait_until_up(process)
    return process


def wait_until_up(process: Process, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"radlink serve exited: {process.tail()}")
        try:
            if httpx.get(f"{process.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"radlink serve did not answer within {timeout} s: {process.tail()}")


@contextmanager
def running_server(data_dir: Path, db_url: str, log: Path, **extra: str) -> Iterator[Process]:
    process = start_server(data_dir, db_url, log, **extra)
    try:
        yield process
    finally:
        process.stop()
