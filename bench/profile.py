"""Where the server's time goes in one scenario: py-spy samples `radlink serve` under load.

    .venv/bin/pip install py-spy   # a tool, not a project dependency
    .venv/bin/python bench/profile.py s1 [--seconds 8]

Prints the radlink/sqlalchemy/fastapi functions with the largest share of samples (inclusive),
from py-spy's collapsed stacks.
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=list(run.SCENARIOS))
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="radlink-profile-"))
    try:
        port = run._free_port()
        env = {
            **os.environ,
            "RADLINK_DATA_DIR": str(tmp),
            "RADLINK_DATABASE_URL": f"sqlite:///{tmp / 'radlink.sqlite3'}",
            "RADLINK_SECRET_KEY": secrets.token_urlsafe(32),
            "RADLINK_WORKERS": "1",
            "RADLINK_EMBEDDED_WORKER": "false",
            "RADLINK_LOG_LEVEL": "warning",
            "RADLINK_PORT": str(port),
            "RADLINK_BASE_URL": f"http://127.0.0.1:{port}",
        }
        token = run._seed(env)
        run._existing(env, 200)
        path, body = run.SCENARIOS[args.scenario]
        cfg = argparse.Namespace(warmup=1.0, duration=args.seconds + 2, existing=200)
        out = tmp / "stacks.txt"
        with run._server([str(run.BIN / "radlink"), "serve"], env, port) as proc:
            spy = subprocess.Popen(
                [
                    str(run.BIN / "py-spy"), "record", "-p", str(proc.pid), "-d",
                    str(int(args.seconds)), "-f", "raw", "-o", str(out), "-r", "100",
                ],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            result = run._load(port, token, path, body, "p", cfg)
            spy.wait()
        print(f"{args.scenario}: {result['rps']} req/s under the profiler")
        totals: collections.Counter[str] = collections.Counter()
        samples = 0
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if "run_asgi" not in stack:  # idle threads and the event loop's own waiting
                continue
            n = int(count)
            samples += n
            seen = set()
            for frame in stack.split(";"):
                name = frame.split(" (")[0] + " (" + frame.split(" (")[-1].split("/")[-1]
                if name not in seen:
                    seen.add(name)
                    totals[name] += n
        print(f"{samples} samples inside request handling; inclusive share of each function:")
        shown = 0
        for name, n in totals.most_common():
            if n > 0.97 * samples:  # the framework's wrappers around every request
                continue
            shown += 1
            if shown > args.top:
                break
            print(f"{100 * n / samples:5.1f} %  {name}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
