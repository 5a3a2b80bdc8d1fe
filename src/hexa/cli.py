"""The `hexa` command: serve, worker, worker-alive, migrate, create-admin, token."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import importlib
import os
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol, cast

from hexa.config import ConfigError, Settings, load_settings
from hexa.domain.access import Role, role_scopes
from hexa.domain.users import User


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hexa.bootstrap import check
    from hexa.drivers.http.app import create_app
    from hexa.drivers.logs import configure_logging
    from hexa.drivers.tracing import tracing_settings

    if args.workers > 1 and settings.resolved_redis_url is None:
        raise ConfigError(
            "--workers above 1 needs REDIS_URL: without Redis, job progress, sign-in limits "
            "and in-process jobs belong to one process"
        )
    tracing_settings("hexa-api")  # OTEL_* as well: one line now, not one per process later
    configure_logging(settings)
    asyncio.run(check(settings))  # settings, stores and schema, before binding a port
    # Several processes each import the app themselves (from the environment's settings).
    app = create_app(settings) if args.workers == 1 else "hexa.drivers.http.app:create_app"
    uvicorn.run(
        app,
        factory=args.workers > 1,
        workers=args.workers,
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_keep_alive=settings.http_keepalive_seconds,
        # Logging is ours (LOG_FORMAT, LOG_LEVEL), and so is the access event, one per
        # request with its route and caller: uvicorn's own would be a second line.
        log_config=None,
        log_level=None,
        access_log=False,
    )
    return 0


class _WorkerDriver(Protocol):
    """The worker driver, which a project made without the worker does not have."""

    def run_worker(self, settings: Settings) -> int: ...


class _WorkerProcesses(Protocol):
    def supervise(self, settings: Settings, processes: int) -> int: ...


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from hexa.bootstrap import check
    from hexa.drivers.logs import configure_logging
    from hexa.drivers.tracing import tracing_settings

    driver = f"{__package__}.drivers.worker"
    try:
        run_worker = cast(_WorkerDriver, importlib.import_module(f"{driver}.run")).run_worker
    except ModuleNotFoundError as missing:
        if not driver.startswith(missing.name or "-"):
            raise
        raise ConfigError(
            "this project was made without the worker: its jobs run inside the app"
        ) from None
    if settings.resolved_queue_backend != "arq":
        raise ConfigError(
            "QUEUE_BACKEND is inprocess: jobs run inside the app; the worker needs "
            "QUEUE_BACKEND=arq and REDIS_URL"
        )
    tracing_settings("hexa-worker")
    configure_logging(settings)
    asyncio.run(check(settings))  # settings, stores and schema, before taking any job
    if args.processes > 1:
        processes = cast(_WorkerProcesses, importlib.import_module(f"{driver}.processes"))
        return processes.supervise(settings, args.processes)
    return run_worker(settings)


def _worker_alive(settings: Settings, args: argparse.Namespace) -> int:
    """A worker's liveness probe: 0 while some worker beats (or Redis is down, which the
    worker waits out by itself and a restart would not mend), 1 when none has lately."""
    from hexa.bootstrap import HEARTBEAT_TTL, worker_heartbeat
    from hexa.domain.errors import Unavailable

    try:
        alive = asyncio.run(worker_heartbeat(settings))
    except Unavailable as error:
        print(f"hexa: {error.detail}; the worker waits for Redis", file=sys.stderr)
        return 0
    if not alive:
        print(f"hexa: no worker heartbeat in the last {HEARTBEAT_TTL.seconds} s", file=sys.stderr)
        return 1
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from hexa.bootstrap import migrate

    if not migrate(settings, args.revision):
        print("hexa: nothing to migrate: no port is set to sql", file=sys.stderr)
    return 0


def _create_admin(settings: Settings, args: argparse.Namespace) -> int:
    from hexa.bootstrap import build

    password = os.environ.get("HEXA_ADMIN_PASSWORD")
    if password is None:
        password = getpass.getpass(f"password for {args.email}: ")
        if getpass.getpass("again: ") != password:
            print("hexa: the passwords differ", file=sys.stderr)
            return 1

    async def create() -> User:
        async with build(settings) as hexa:
            return await hexa.users.create_admin(args.email, password)

    user = asyncio.run(create())
    print(f"admin {user.email} created ({user.id})")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from hexa.bootstrap import access_tokens

    if not 1 <= args.minutes <= 24 * 60:
        print("hexa: --minutes must be 1 to 1440", file=sys.stderr)
        return 2
    tokens = access_tokens(settings)
    scopes = role_scopes(Role(args.role))
    print(
        tokens.issue(args.subject, scopes, kind="service", lifetime=timedelta(minutes=args.minutes))
    )
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hexa", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the HTTP API (HOST, PORT)")
    serve.add_argument("--host", help="overrides HOST")
    serve.add_argument("--port", type=int, help="overrides PORT")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="serve from N processes on this machine (N > 1 needs REDIS_URL; default 1)",
    )
    serve.set_defaults(run=_serve)
    worker = verbs.add_parser("worker", help="run background jobs from Redis (REDIS_URL)")
    worker.add_argument(
        "--processes",
        type=int,
        default=1,
        choices=range(1, 65),
        metavar="N",
        help="run N worker processes under this one, one per core (default 1)",
    )
    worker.set_defaults(run=_worker)
    alive = verbs.add_parser(
        "worker-alive", help="exit 0 while a worker's heartbeat is in Redis (a liveness probe)"
    )
    alive.set_defaults(run=_worker_alive)
    migrate = verbs.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.add_argument("revision", nargs="?", default="heads")
    migrate.set_defaults(run=_migrate)
    admin = verbs.add_parser(
        "create-admin",
        help="create a verified admin; the password is asked for, or read from "
        "HEXA_ADMIN_PASSWORD for scripts",
    )
    admin.add_argument("email")
    admin.set_defaults(run=_create_admin)
    token = verbs.add_parser("token", help="print an operator access token")
    token.add_argument("subject", help="who the token stands for (e.g. ops)")
    token.add_argument("--role", choices=[r.value for r in Role], default=Role.ADMIN.value)
    token.add_argument("--minutes", type=int, default=60, help="lifetime (default 60)")
    token.set_defaults(run=_token)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from hexa.domain.errors import DomainError

    args = _parser().parse_args(argv)
    try:
        result: int = args.run(load_settings(), args)
    except ConfigError as error:
        print(f"hexa: configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:  # a store that cannot be reached, a refused input...
        print(f"hexa: {error.detail}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(main())
