"""The launch-endpoint benchmark: `make bench` (full) and `make bench-smoke` (seconds).

For each database kind (SQLite in a temp dir; PostgreSQL on 127.0.0.1:5432 in a temporary
database), it migrates and seeds with the `radlink` CLI, serves `radlink serve` (1 worker), and
drives each scenario with bench/loadgen.py in a separate process: 32 keep-alive connections,
warm-up then a fixed measured window. The baseline (bench/baseline_app.py under uvicorn, same
settings) runs against the same database kind in the same run. Results go to
<out>/sqlite.json and <out>/postgresql.json; a table is printed. Exit status 1 when any scenario
had a non-200 response.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
LAUNCH = "/api/report/launch/clinical"
STATUS = "/api/report/status"
SITE = "bench-site"
WORKERS = 1
CONNECTIONS = 32

_TAGS = (
    '"SiteID":"' + SITE + '","Accession":"{acc}","PatientMRN":"MRN-1","PatientSex":"F",'
    '"Modality":"CT","StudyDescription":"CT abdomen w/wo contrast",'
    '"ReasonForExam":"Abdominal pain."'
)


def _launch(acc: str, extra: str) -> str:
    return '{"tags":{' + _TAGS.replace("{acc}", acc) + "}," + extra + "}"


# name -> (path, body template, cycle); {n} is unique per request, {k} cycles over existing ones.
SCENARIOS: dict[str, tuple[str, str]] = {
    "s1": (LAUNCH, _launch("N1-{n}", '"result":"link"')),
    "s2": (LAUNCH, _launch("N2-{n}", '"lazyLaunch":true,"result":"link"')),
    "s3": (LAUNCH, _launch("N3-{n}", '"result":"all","qrCodeSize":"standard"')),
    "s4": (
        LAUNCH,
        _launch("N4-{n}", '"result":"qrcode","qrCodeSize":"small","qrCodeMode":"dark"'),
    ),
    "s5": (LAUNCH, _launch("EXIST-{k}", '"result":"all"')),
    "s6": (STATUS, '{"SiteID":"' + SITE + '","Accession":"EXIST-{k}"}'),
    "s7": (LAUNCH, _launch("N7-{n}", '"result":"link"')),
}
BASELINE_BODY = _launch("B-{n}", '"result":"link"')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else ""
            raise RuntimeError(f"server exited with {proc.returncode}: {err}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError("server did not start")


def _rss_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of the process and its children (uvicorn may fork workers)."""
    total = 0
    pids = [pid]
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total = max(total, int(line.split()[1]))
    return round(total / 1024, 1)


@contextlib.contextmanager
def _server(cmd: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_port(port, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _load(port: int, token: str, path: str, body: str, tag: str, cfg: argparse.Namespace) -> Any:
    out = subprocess.run(
        [
            sys.executable,
            str(HERE / "loadgen.py"),
            f"--port={port}",
            f"--path={path}",
            f"--token={token}",
            f"--body={body}",
            f"--tag={tag}",
            f"--cycle={cfg.existing}",
            f"--connections={CONNECTIONS}",
            f"--warmup={cfg.warmup}",
            f"--duration={cfg.duration}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=cfg.warmup + cfg.duration + 60,
    )
    return json.loads(out.stdout)


def _cli(args: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    out = subprocess.run(
        [str(BIN / "radlink"), *args], env=env, input=stdin, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"radlink {' '.join(args)} failed: {out.stderr or out.stdout}")
    return out.stdout.strip()


def _seed(env: dict[str, str]) -> str:
    _cli(["migrate"], env)
    _cli(["sites", "create", SITE, "--name", "Bench site"], env)
    _cli(
        [
            "users", "create", "--email", "bench@example.org", "--name", "Bench User",
            "--site", SITE, "--role", "radiologist", "--password-stdin",
        ],
        env,
        stdin="bench-password-" + secrets.token_hex(8) + "\n",
    )  # fmt: skip
    return _cli(["tokens", "create", "--user", "bench@example.org", "--name", "bench"], env)


def _existing(env: dict[str, str], count: int) -> None:
    """The reports scenarios 5 and 6 repeat: created through the service, like a launch."""
    code = f"""
from radlink.settings import Settings
from radlink.runtime import Runtime
from radlink.reports import service
from radlink.reports.request import parse_launch
from radlink.sites.service import get_site_by_key
rt = Runtime.create(Settings())
from sqlalchemy import text
with rt.engine.connect() as c:
    site = c.execute(text("select id from sites where site_key=:k"), {{"k": "{SITE}"}}).scalar()
    user = c.execute(text("select id from users where email='bench@example.org'")).scalar()
actor = service.Actor(user, "Bench User", "bench@example.org")
import json
for k in range({count}):
    body = json.loads({_launch("EXIST-{k}", '"result":"all"')!r}.replace("{{k}}", str(k)))
    service.launch(rt.engine, rt.sealer, site_id=site, actor=actor, request=parse_launch(body))
"""
    code = code.replace("from radlink.sites.service import get_site_by_key\n", "")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def _bulk(url: str, rows: int) -> float:
    """Scenario 7's data: `rows` reports with their launches, inserted with one SQL statement
    each, the way a years-old deployment would hold them. Returns seconds taken."""
    from sqlalchemy import text

    from radlink.db import make_engine

    started = time.perf_counter()
    engine = make_engine(url)
    when = "2025-01-01 00:00:00.000000"
    with engine.begin() as conn:
        site = conn.execute(text("select id from sites where site_key=:k"), {"k": SITE}).scalar()
        user = conn.execute(text("select id from users where email='bench@example.org'")).scalar()
        params = {"site": site, "user": user, "when": when, "n": rows}
        stamp = ":when" if url.startswith("sqlite") else "cast(:when as timestamp)"
        if url.startswith("sqlite"):
            series = (
                "with recursive c(x) as (select 1 union all select x + 1 from c where x < :n) "
                "select x from c"
            )
        else:
            series = "select generate_series(1, :n) as x"
        conn.execute(
            text(
                "insert into reports (site_id, accession, status, owner_id, app_language, "
                "speech_language, findings, impression, revision, modality, created_at, "
                "updated_at) "
                f"select :site, 'BULK-' || x, 'Draft', :user, 'en', 'en', '', '', 1, 'CT', "
                f"{stamp}, {stamp} from ({series}) s"
            ),
            params,
        )
        conn.execute(
            text(
                "insert into launches (site_id, accession, report_id, created_by, created_at) "
                "select site_id, accession, id, owner_id, created_at from reports "
                "where accession like 'BULK-%'"
            )
        )
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _qr_micro(count: int) -> dict[str, float]:
    from radlink.reports.qr import QrMode, QrSize, qr_data_uri

    out: dict[str, float] = {}
    for size in QrSize:
        for mode in QrMode:
            links = [f"http://127.0.0.1:8000/r/{secrets.token_hex(10)}" for _ in range(count)]
            qr_data_uri(f"http://127.0.0.1:8000/r/{secrets.token_hex(10)}", size, mode)  # shape
            started = time.perf_counter()
            for link in links:
                qr_data_uri(link, size, mode)
            seconds = time.perf_counter() - started
            out[f"{size.value}-{mode.value}"] = round(count / seconds)
    return out


def _pg_database() -> tuple[str, Any]:
    import psycopg

    admin = psycopg.connect(PG_ADMIN, autocommit=True)
    name = f"radlink_bench_{secrets.token_hex(4)}"
    admin.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, (admin, name)


def _drop_pg(handle: Any) -> None:
    admin, name = handle
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def run_pass(kind: str, cfg: argparse.Namespace, qr: dict[str, float]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"radlink-bench-{kind}-"))
    handle = None
    try:
        if kind == "sqlite":
            url = f"sqlite:///{tmp / 'radlink.sqlite3'}"
            base_url = f"sqlite:///{tmp / 'baseline.sqlite3'}"
        else:
            url, handle = _pg_database()
            base_url = url
        port = _free_port()
        env = {
            **os.environ,
            "RADLINK_DATA_DIR": str(tmp),
            "RADLINK_DATABASE_URL": url,
            "RADLINK_SECRET_KEY": secrets.token_urlsafe(32),
            "RADLINK_WORKERS": str(WORKERS),
            "RADLINK_EMBEDDED_WORKER": "false",
            # The per-token limiter still runs (its cost is measured) but never refuses.
            "RADLINK_API_RATE": "1000000",
            "RADLINK_API_BURST": "1000000",
            "RADLINK_LOG_LEVEL": "warning",  # no access log, for both servers
            "RADLINK_PORT": str(port),
            "RADLINK_HOST": "127.0.0.1",
            "RADLINK_BASE_URL": f"http://127.0.0.1:{port}",
            "BENCH_DATABASE_URL": base_url,
        }
        token = _seed(env)
        _existing(env, cfg.existing)
        results: dict[str, Any] = {}

        baseline_cmd = [
            sys.executable, "-m", "uvicorn", "baseline_app:app", "--app-dir", str(HERE),
            "--host", "127.0.0.1", f"--port={port}", f"--workers={WORKERS}",
            "--log-level", "warning", "--no-server-header", "--no-proxy-headers",
        ]  # fmt: skip
        with _server(baseline_cmd, env, port) as proc:
            base = _load(port, "", LAUNCH, BASELINE_BODY, "b", cfg)
            base["rss_mb"] = _rss_mb(proc.pid)
        _report(kind, "baseline", base, None)
        if base["errors"]:
            results["baseline_errors"] = base["errors"]

        serve = [str(BIN / "radlink"), "serve"]
        shared = contextlib.ExitStack()
        shared_proc = None if cfg.restart else shared.enter_context(_server(serve, env, port))
        with shared:
            for name, (path, body) in SCENARIOS.items():
                if name == "s7":
                    seconds = _bulk(url, cfg.bulk)
                    print(f"  [{kind}] seeded {cfg.bulk:,} reports + launches in {seconds:.1f} s")
                    results["s7_seeded_rows"] = cfg.bulk
                    results["s7_seed_seconds"] = round(seconds, 1)
                # Full runs start a fresh server per scenario, so that RSS and caches belong to
                # that scenario alone; the smoke run keeps one server to stay within seconds.
                with contextlib.ExitStack() as own:
                    proc = shared_proc or own.enter_context(_server(serve, env, port))
                    res = _load(port, token, path, body, name, cfg)
                    res["rss_mb"] = _rss_mb(proc.pid)
                res["ratio"] = round(res["rps"] / base["rps"], 3) if base["rps"] else 0.0
                results[name] = res
                _report(kind, name, res, base)
        return {
            "machine": _machine(),
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "workers": WORKERS,
            "connections": CONNECTIONS,
            "baseline": {k: base[k] for k in ("rps", "p50_ms", "p99_ms")},
            "scenarios": {
                name: {
                    k: results[name][k]
                    for k in ("rps", "p50_ms", "p99_ms", "errors", "rss_mb", "ratio")
                }
                for name in SCENARIOS
            },
            "qr_images_per_s": qr,
            "_notes": {
                "baseline_rss_mb": base["rss_mb"],
                "baseline_errors": base["errors"],
                "s7_seeded_rows": results["s7_seeded_rows"],
                "s7_seed_seconds": results["s7_seed_seconds"],
                "s7_p50_over_s1_p50": round(
                    results["s7"]["p50_ms"] / max(results["s1"]["p50_ms"], 0.01), 2
                ),
                "warmup_s": cfg.warmup,
                "duration_s": cfg.duration,
                "error_samples": {
                    n: results[n]["error_samples"] for n in SCENARIOS if results[n]["errors"]
                },
            },
        }
    finally:
        if handle is not None:
            _drop_pg(handle)
        shutil.rmtree(tmp, ignore_errors=True)


def _machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return (
        f"{os.cpu_count()} vCPU {cpu}, {mem} GiB RAM, {platform.system()} "
        f"{platform.release()}, CPython {platform.python_version()}"
    )


def _report(kind: str, name: str, res: dict[str, Any], base: dict[str, Any] | None) -> None:
    ratio = f"{res['rps'] / base['rps']:.2f}" if base and base["rps"] else "1.00"
    print(
        f"  [{kind}] {name:8} {res['rps']:8.0f} req/s  p50 {res['p50_ms']:7.1f} ms  "
        f"p99 {res['p99_ms']:7.1f} ms  errors {res['errors']:3d}  rss {res['rss_mb']:6.1f} MB  "
        f"ratio {ratio}",
        flush=True,
    )
    for sample in res.get("error_samples", []):
        print(f"      e.g. {sample}", flush=True)


def _table(all_results: dict[str, dict[str, Any]]) -> None:
    print("\nscenario   " + "".join(f"{k:>44}" for k in all_results))
    print("           " + "".join(f"{'rps   p50   p99  ratio  err  rss':>44}" for _ in all_results))
    names = ["baseline", *SCENARIOS]
    for name in names:
        cells = []
        for res in all_results.values():
            r = res["baseline"] if name == "baseline" else res["scenarios"][name]
            cells.append(
                f"{r['rps']:>10.0f} {r['p50_ms']:6.1f} {r['p99_ms']:6.1f} "
                f"{r.get('ratio', 1.0):5.2f} {r.get('errors', 0):4d} {r.get('rss_mb', 0):5.0f}"
            )
        print(f"{name:10} " + "".join(f"{c:>44}" for c in cells))
    qr = next(iter(all_results.values()))["qr_images_per_s"]
    print(
        "\nQR images/s (uncached, a new link each): " + ", ".join(f"{k} {v}" for k, v in qr.items())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="seconds, SQLite only")
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--db", default=None, help="comma list: sqlite,postgresql")
    parser.add_argument("--duration", type=float, default=None)
    parser.add_argument("--warmup", type=float, default=None)
    parser.add_argument("--bulk", type=int, default=None, help="scenario 7 rows")
    cfg = parser.parse_args()
    cfg.duration = cfg.duration or (1.0 if cfg.smoke else 10.0)
    cfg.warmup = cfg.warmup if cfg.warmup is not None else (0.3 if cfg.smoke else 2.0)
    cfg.bulk = cfg.bulk or (2_000 if cfg.smoke else 1_000_000)
    cfg.existing = 50 if cfg.smoke else 1000
    cfg.restart = not cfg.smoke
    kinds = (cfg.db or ("sqlite" if cfg.smoke else "sqlite,postgresql")).split(",")
    cfg.out.mkdir(parents=True, exist_ok=True)

    qr = _qr_micro(100 if cfg.smoke else 2000)
    print("QR micro-benchmark (images/s, uncached):", qr, flush=True)
    all_results: dict[str, dict[str, Any]] = {}
    all_notes: dict[str, dict[str, Any]] = {}
    for kind in kinds:
        started = time.perf_counter()
        res = run_pass(kind, cfg, qr)
        all_results[kind] = res
        notes = res.pop("_notes")
        print(f"  [{kind}] notes: {json.dumps(notes)}", flush=True)
        all_notes[kind] = notes
        (cfg.out / f"{kind}.json").write_text(json.dumps(res, indent=2) + "\n")
        print(f"  [{kind}] pass took {time.perf_counter() - started:.0f} s", flush=True)
    _table(all_results)
    bad = {
        k: {n: s["errors"] for n, s in r["scenarios"].items() if s["errors"]}
        for k, r in all_results.items()
    }
    bad = {k: v for k, v in bad.items() if v}
    base_bad = {k: n["baseline_errors"] for k, n in all_notes.items()}
    if bad or any(base_bad.values()):
        print(f"\nFAIL: non-200 responses: {bad} baseline: {base_bad}", file=sys.stderr)
        for k, n in all_notes.items():
            print(k, n["error_samples"], file=sys.stderr)
        return 1
    print(f"\nresults in {cfg.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
