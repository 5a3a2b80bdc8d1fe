"""`make bench`, tracing: what OpenTelemetry costs an API-key read, as ratios of one run.

    scripts/with-test-services.sh .venv/bin/python scripts/bench_tracing.py \\
        [--rounds 4] [--seconds 5] [--connections 32 64] [--profile]

In services mode (PostgreSQL, Redis), each as one uvicorn process with the same flags:
Hexa with tracing code absent (this tree at the commit before tracing came, from git);
Hexa unconfigured (no OTEL_* set, the default); Hexa exporting to a collector on
127.0.0.1 with 10 % and with 100 % of traces sampled, at the SDK's default batch
settings. The collector is a sink in a process of its own that takes every batch (a
real collector's work is elsewhere). wrk drives them in interleaved rounds; the table
shows the best round of each, then the ratios the targets are set in, the spans each
traced server dropped or had refused (said in its log when it stops), and, with
`--profile`, where a 100 %-sampled read's time goes (py-spy, by module).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from bench_http import (
    ADMIN,
    HEXA,
    POOL,
    ROOT,
    Round,
    Stack,
    Target,
    _cpu_times,
    _measure,
)

RATIOS = (
    ("unconfigured / absent", "hexa read, unconfigured", "hexa read, tracing absent"),
    ("10% sampled / unconfigured", "hexa read, 10% sampled", "hexa read, unconfigured"),
    ("100% sampled / unconfigured", "hexa read, 100% sampled", "hexa read, unconfigured"),
)
SINK = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Sink(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def _before_tracing(workdir: Path) -> Path | None:
    """This tree's `src` at the commit before tracing was added, or None without git."""
    added = subprocess.run(
        ["git", "log", "-1", "--format=%H", "--diff-filter=A", "--", "src/*/drivers/tracing.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not added:
        return None
    archive = subprocess.run(
        ["git", "archive", f"{added}^", "src", "db", "static"], cwd=ROOT, capture_output=True
    )
    if archive.returncode != 0:  # tracing came with the first commit: nothing before it
        return None
    tree = workdir / "absent"
    tree.mkdir()
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree / "src"


SERVER_NAMES = {
    "unconfigured": "plain",
    "tracing absent": "absent",
    "10% sampled": "traced-10",
    "100% sampled": "traced-100",
}


async def _fresh_database(url: str, name: str) -> str:
    """An empty database `name` on the server of `url`; its URL."""
    import sqlalchemy as sa
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return str(sa.make_url(url).set(database=name).render_as_string(hide_password=False))


def _one_inspection(base: str) -> tuple[str, dict[str, str]]:
    """The URL of one inspection on the server at `base`, and an API key's header."""
    with httpx.Client(base_url=base, timeout=30) as http:
        login = dict(zip(("email", "password"), ADMIN, strict=True))
        token = http.post("/api/v1/auth/login", json=login).json()["access_token"]
        key = http.post(
            "/api/admin/api-keys",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "bench", "scopes": ["inspections:read", "inspections:write"]},
        ).json()["token"]
        machine = {"X-API-Key": key}
        made = http.post("/api/v1/inspections", headers=machine, json={"subject": "boiler 7"})
        made.raise_for_status()
    return f"{base}/api/v1/inspections/{made.json()['id']}", machine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    try:
        database, redis = os.environ["HEXA_TEST_POSTGRES_URL"], os.environ["HEXA_TEST_REDIS_URL"]
    except KeyError:
        raise SystemExit("run under scripts/with-test-services.sh") from None
    with tempfile.TemporaryDirectory(prefix="hexa-bench-tracing-") as temporary:
        workdir = Path(temporary)
        sink = subprocess.Popen([sys.executable, "-c", SINK], stdout=subprocess.PIPE, text=True)
        assert sink.stdout is not None
        collector = f"http://127.0.0.1:{sink.stdout.readline().strip()}"
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")} | {
            "PYTHONPATH": str(ROOT / "src"),
            "ENV": "test",
            "JWT_SECRET": "j" * 40,
            "API_KEY_PEPPER": "p" * 40,
            "LOG_LEVEL": "WARNING",
            "ACCESS_TOKEN_MINUTES": "600",
            "BLOB_DIR": str(workdir / "blobs"),
            "DATABASE_URL": database,
            "REDIS_URL": redis,
            "QUEUE_BACKEND": "arq",
            **POOL,
        }
        stack = Stack(workdir, env)
        try:
            app = "hexa.drivers.http.app:create_app"
            servers: dict[str, tuple[str, dict[str, str]]] = {}
            traced = {
                "OTEL_EXPORTER_OTLP_ENDPOINT": collector,
                "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            }
            absent = _before_tracing(workdir)
            kinds: dict[str, dict[str, str]] = {"unconfigured": {}}
            if absent is not None:
                kinds["tracing absent"] = {"PYTHONPATH": str(absent)}
            kinds["10% sampled"] = traced | {"OTEL_TRACES_SAMPLER_ARG": "0.1"}
            kinds["100% sampled"] = traced | {"OTEL_TRACES_SAMPLER_ARG": "1.0"}
            for n, (kind, extra) in enumerate(kinds.items()):
                # Each its own database, which its own code migrates: the tree before
                # tracing stops at an older revision.
                url = asyncio.run(_fresh_database(database, f"hexa_bench_tracing_{n}"))
                stack.env = env | extra | {"DATABASE_URL": url}
                stack.hexa("migrate")
                subprocess.run(
                    [*HEXA, "create-admin", ADMIN[0]],
                    env=stack.env | {"HEXA_ADMIN_PASSWORD": ADMIN[1]},
                    cwd=workdir,
                    check=True,
                    capture_output=True,
                )
                server = stack.uvicorn(SERVER_NAMES[kind], app)
                servers[f"hexa read, {kind}"] = _one_inspection(server)
            stack.env = env
            targets = [Target(name, url, headers) for name, (url, headers) in servers.items()]
            for target in targets:
                httpx.get(target.url, headers=target.headers, timeout=30).raise_for_status()
            steal0, total0 = _cpu_times()
            results = _measure(targets, args.connections, args.rounds, args.seconds)
            steal1, total1 = _cpu_times()
            _report(results, (steal1 - steal0) / max(total1 - total0, 1))
            if args.profile:
                for share in ("10", "100"):
                    name = f"hexa read, {share}% sampled"
                    _profile(stack, f"traced-{share}", next(t for t in targets if t.name == name))
        finally:
            stack.stop()
            sink.terminate()
        for name in ("traced-10", "traced-100"):
            said = [
                line
                for line in (workdir / f"{name}.log").read_text().splitlines()
                if "tracing:" in line
            ]
            print(f"  {name}: {'; '.join(said) or 'no span dropped or refused'}")


def _report(results: dict[tuple[str, int], list[Round]], steal: float) -> None:
    rounds = len(next(iter(results.values())))
    print(
        f"\n== tracing, services mode (best of {rounds} interleaved rounds; CPU steal {steal:.1%})"
    )
    print(f"{'target':30} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    best: dict[tuple[str, int], Round] = {}
    for (name, c), found in results.items():
        top = best[name, c] = max(found, key=lambda r: r.rps)
        errors = sum(r.errors for r in found)
        print(f"{name:30} {c:>5} {top.rps:>9.0f} {top.p50_ms:>8.1f} {top.p99_ms:>8.1f} {errors:>7}")
    for c in sorted({c for _, c in results}):
        for label, numerator, denominator in RATIOS:
            if (numerator, c) in best and (denominator, c) in best:
                ratio = best[numerator, c].rps / best[denominator, c].rps
                print(f"  {c:>3} conns  {label:30} {ratio:5.2f}")


def _profile(stack: Stack, server: str, target: Target) -> None:
    """Where a traced read's time goes: py-spy's samples by who spent them."""
    process = stack.named[server]
    output = Path(stack.directory) / f"profile-{server}.txt"
    load = subprocess.Popen(
        [
            "wrk",
            "-t1",
            "-c32",
            "-d14s",
            *sum((["-H", f"{k}: {v}"] for k, v in target.headers.items()), []),
            target.url,
        ],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(2)
    # --gil: the thread holding the interpreter; a thread that waits is not busy.
    record = ["py-spy", "record", "--full-filenames", "--gil", "-d", "10", "-r", "499"]
    where = ["-p", str(process.pid), "--format", "raw", "-o", str(output)]
    subprocess.run([*record, *where], capture_output=True)
    load.wait()
    by_area: collections.Counter[str] = collections.Counter()
    # Within OpenTelemetry: the outermost of its frames, the call that led there.
    by_call: collections.Counter[str] = collections.Counter()
    total = 0
    for line in output.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack_text.split(";")
        area = _area(frames)
        by_area[area] += samples
        if area.startswith("OpenTelemetry"):
            entry = next((f for f in frames if "opentelemetry/" in f), frames[-1])
            leaf = next((f for f in reversed(frames) if "opentelemetry/" in f), frames[-1])
            by_call[f"{entry.split(' (')[0]} > {leaf.split(' (')[0]}"] += samples
    print(f"  where the time of {target.name} goes (py-spy, share of samples):")
    for area, samples in by_area.most_common(8):
        print(f"    {samples / max(total, 1):6.1%}  {area}")
    for call, samples in by_call.most_common(12):
        print(f"            {samples / max(total, 1):6.1%}  in {call}")


def _area(frames: list[str]) -> str:
    """Who spent a sample: the innermost frame outside the standard library, as
    OpenTelemetry's SDK or exporter, its API, Hexa's tracing, or the rest."""
    for frame in reversed(frames):
        if "/lib/python3" in frame and "site-packages" not in frame:
            continue  # the standard library works for whoever called it
        if "opentelemetry/sdk" in frame or "opentelemetry/exporter" in frame:
            return "OpenTelemetry SDK (spans, sampler, batch queue, export)"
        if "opentelemetry/instrumentation" in frame:
            return "OpenTelemetry Redis instrumentation"
        if "opentelemetry/" in frame:
            return "OpenTelemetry API (context, propagation)"
        if any(name in frame for name in ("server_spans", "statement_spans", "job_traces")):
            return "Hexa's tracing (server, SQL and job spans)"
        return "the rest (serving the read)"
    return "the rest (serving the read)"


if __name__ == "__main__":
    main()
