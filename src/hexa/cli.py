"""The `hexa` command: serve, migrate (more verbs arrive with later capabilities)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from hexa.config import ConfigError, Settings, load_settings


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hexa.bootstrap import check
    from hexa.domain.errors import DomainError
    from hexa.drivers.http.app import create_app

    try:
        asyncio.run(check(settings))
    except ConfigError as error:
        print(f"hexa: configuration error: {error}", file=sys.stderr)
        return 2
    except DomainError as error:
        print(f"hexa: cannot start: {error.detail}", file=sys.stderr)
        return 1

    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_level="info",
    )
    return 0


def _migrate(settings: Settings, args: argparse.Namespace) -> int:
    from hexa.bootstrap import migrate

    if not migrate(settings, args.revision):
        print("hexa: nothing to migrate: no port is set to sql", file=sys.stderr)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hexa", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    serve = verbs.add_parser("serve", help="serve the HTTP API (HOST, PORT)")
    serve.add_argument("--host", help="overrides HOST")
    serve.add_argument("--port", type=int, help="overrides PORT")
    serve.set_defaults(run=_serve)
    migrate = verbs.add_parser("migrate", help="apply database migrations (DATABASE_URL)")
    migrate.add_argument("revision", nargs="?", default="head")
    migrate.set_defaults(run=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"hexa: configuration error: {error}", file=sys.stderr)
        return 2
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())
