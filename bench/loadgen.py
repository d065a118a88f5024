"""Closed-loop HTTP/1.1 load generator: N keep-alive connections on 127.0.0.1, bounded in time.

Run as its own process (so it has its own core and GIL):

    python bench/loadgen.py --port 8000 --path /api/report/launch/clinical --token T \
        --body '{"tags":{"Accession":"{n}"}}' --connections 32 --warmup 2 --duration 10

``{n}`` in the body becomes a value unique to each request (connection id and counter);
``{k}`` becomes the counter modulo ``--cycle`` (to repeat a fixed set of accessions). Prints one
JSON object: requests/s, p50/p99 in ms, requests and non-200 responses in the measured window.

Raw asyncio streams on uvloop, with pre-encoded headers: one core drives well over 10 000
requests/s this way, several times what the server under test does on its core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time


async def _connection(
    cid: int,
    args: argparse.Namespace,
    start_measure: float,
    stop: float,
    latencies: list[float],
    errors: list[int],
    samples: list[str],
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    head = (
        f"POST {args.path} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\n"
        f"Content-Type: application/json\r\nx-access-token: {args.token}\r\n"
    )
    template = args.body
    counter = 0
    try:
        while True:
            now = time.perf_counter()
            if now >= stop:
                break
            counter += 1
            body = template.replace("{n}", f"{args.tag}-{cid}-{counter}").replace(
                "{k}", str((cid * 7919 + counter) % args.cycle)
            )
            data = body.encode()
            writer.write((head + f"Content-Length: {len(data)}\r\n\r\n").encode("latin-1") + data)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            payload = await reader.readexactly(length)
            done = time.perf_counter()
            status = int(status_line.split(b" ", 2)[1])
            if now >= start_measure:
                latencies.append(done - now)
                if status != 200:
                    errors.append(status)
                    if len(samples) < 3:
                        samples.append(f"{status} {payload[:300]!r}")
    finally:
        writer.close()


async def _main(args: argparse.Namespace) -> dict[str, object]:
    t0 = time.perf_counter()
    start_measure = t0 + args.warmup
    stop = start_measure + args.duration
    latencies: list[float] = []
    errors: list[int] = []
    samples: list[str] = []
    await asyncio.gather(
        *(
            _connection(c, args, start_measure, stop, latencies, errors, samples)
            for c in range(args.connections)
        )
    )
    latencies.sort()
    count = len(latencies)

    def pct(p: float) -> float:
        return round(1000 * latencies[min(count - 1, int(p * count))], 2) if count else 0.0

    return {
        "rps": round(count / args.duration, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "requests": count,
        "errors": len(errors),
        "error_samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--token", default="")
    parser.add_argument("--body", required=True)
    parser.add_argument("--tag", default="r")
    parser.add_argument("--cycle", type=int, default=1000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.install()
    except ImportError:  # plain asyncio still works, just slower
        pass
    json.dump(asyncio.run(_main(args)), sys.stdout)


if __name__ == "__main__":
    main()
