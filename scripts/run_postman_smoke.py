"""Runs the Postman smoke collection with newman against a running Hexa and fails on any
failed assertion (`make smoke`).

    python scripts/run_postman_smoke.py                       # BASE_URL or 127.0.0.1:8000
    BASE_URL=https://hexa.example.com HEXA_SMOKE_TOKEN=... python scripts/run_postman_smoke.py

Who signs in, first match wins:
- HEXA_SMOKE_TOKEN: an admin access token (e.g. `kubectl exec deploy/hexa-monolith --
  hexa token smoke`), for a deployment whose JWT_SECRET this machine does not hold;
- HEXA_ADMIN_EMAIL and HEXA_ADMIN_PASSWORD: the collection signs in as that admin;
- otherwise a 15-minute admin token minted here with `hexa token smoke`, which is valid
  only when this process has the app's settings (JWT_SECRET, `.env`).

newman (pinned) is installed from npm on first use into HEXA_NEWMAN_DIR (default
var/newman, ignored by git); node and npm must be on PATH. Newman's own summary is
printed, then one line of totals; the exit status is newman's (1 on a failed assertion).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

NEWMAN_VERSION = "6.2.2"
ROOT = Path(__file__).resolve().parents[1]
COLLECTION = ROOT / "postman" / "hexa.postman_collection.json"
# Each area's part of the smoke is a collection of its own beside the core's.
AREAS = "*.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "hexa.postman_environment.json"
SIGN_IN_FOLDER = "2 Sign in"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("BASE_URL") or DEFAULT_BASE_URL)
    parser.add_argument(
        "--collection",
        type=Path,
        action="append",
        help="a collection to run (repeatable); default: every one in postman/, merged",
    )
    parser.add_argument("--environment", type=Path, default=ENVIRONMENT)
    parser.add_argument(
        "--newman-dir",
        type=Path,
        default=Path(os.environ.get("HEXA_NEWMAN_DIR") or ROOT / "var" / "newman"),
    )
    args = parser.parse_args(argv)

    try:
        newman = install_newman(args.newman_dir)
        collection = merged(args.collection or every_collection())
        variables, folders = sign_in(collection)
    except SmokeError as error:
        print(f"run_postman_smoke: {error}", file=sys.stderr)
        return 2
    variables["baseUrl"] = args.base_url.rstrip("/")
    variables["keyScopes"] = json.dumps(key_scopes())
    with tempfile.TemporaryDirectory(prefix="hexa-smoke-") as scratch:
        # Credentials go in a file of our own, never on a command line others can read.
        environment = Path(scratch) / "environment.json"
        environment.write_text(json.dumps(filled(args.environment, variables)))
        merged_path = Path(scratch) / "smoke.postman_collection.json"
        merged_path.write_text(json.dumps(collection))
        report = Path(scratch) / "newman.json"
        command = [
            str(newman), "run", str(merged_path),
            "--environment", str(environment),
            "--reporters", "cli,json", "--reporter-json-export", str(report),
            "--color", "off", "--timeout-request", "30000",
        ]  # fmt: skip
        for folder in folders:
            command += ["--folder", folder]
        print(f"newman {NEWMAN_VERSION} against {variables['baseUrl']}", flush=True)
        status = subprocess.run(command, check=False).returncode
        print(totals(report))
    return status


class SmokeError(Exception):
    """The smoke cannot run; the message says why."""


def install_newman(directory: Path) -> Path:
    """newman, pinned, in `directory`: installed from npm on first use."""
    binary = directory / "node_modules" / ".bin" / "newman"
    package = directory / "node_modules" / "newman" / "package.json"
    installed = package.exists() and json.loads(package.read_text())["version"]
    if binary.exists() and installed == NEWMAN_VERSION:
        return binary
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise SmokeError("newman needs node and npm on PATH (Debian: apt-get install npm)")
    directory.mkdir(parents=True, exist_ok=True)
    print(f"installing newman {NEWMAN_VERSION} into {directory}", file=sys.stderr, flush=True)
    result = subprocess.run(
        [npm, "install", "--prefix", str(directory), "--no-audit", "--no-fund",
         "--loglevel", "error", f"newman@{NEWMAN_VERSION}"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0 or not binary.exists():
        raise SmokeError(f"npm could not install newman {NEWMAN_VERSION}:\n{result.stderr}")
    return binary


def key_scopes() -> list[str]:
    """The smoke's API key gets every scope of the project's areas, but `admin`."""
    from hexa.domain.access import ADMIN, every_scope

    return sorted(scope for scope in every_scope() if scope != ADMIN)


def every_collection() -> list[Path]:
    """The core's collection first, then each area's."""
    others = sorted(p for p in COLLECTION.parent.glob(AREAS) if p != COLLECTION)
    return [COLLECTION, *others]


def merged(paths: list[Path]) -> dict[str, Any]:
    """One collection of every folder of `paths`, in the order their names number them
    ("1 Service", "4 Machine"...): an area's folders run between the core's."""
    first, *others = (json.loads(path.read_text()) for path in paths)
    folders = [*first["item"], *(item for other in others for item in other["item"])]
    first["item"] = sorted(folders, key=lambda folder: _number(folder["name"]))
    return dict(first)


def _number(name: str) -> int:
    head = name.split(" ", 1)[0]
    return int(head) if head.isdigit() else 0


def sign_in(collection: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """The variables that sign the run in, and the folders to run (the sign-in folder
    only when the collection signs in itself, with a password)."""
    every = [item["name"] for item in collection["item"]]
    without_sign_in = [name for name in every if name != SIGN_IN_FOLDER]
    token = os.environ.get("HEXA_SMOKE_TOKEN")
    if token:
        return {"adminToken": token}, without_sign_in
    email, password = os.environ.get("HEXA_ADMIN_EMAIL"), os.environ.get("HEXA_ADMIN_PASSWORD")
    if email and password:
        return {"adminEmail": email, "adminPassword": password}, every
    return {"adminToken": mint_token()}, without_sign_in


def mint_token() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "hexa.cli", "token", "smoke", "--role", "admin", "--minutes", "15"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise SmokeError(
            "no HEXA_SMOKE_TOKEN, no HEXA_ADMIN_EMAIL/HEXA_ADMIN_PASSWORD, and `hexa token` "
            f"failed: {result.stderr.strip()}"
        )
    return result.stdout.strip()


def filled(environment: Path, variables: dict[str, str]) -> dict[str, Any]:
    """The Postman environment file with `variables` set (added when it lacks one)."""
    document: dict[str, Any] = json.loads(environment.read_text())
    values = [v for v in document.get("values", []) if v["key"] not in variables]
    values += [{"key": k, "value": v, "enabled": True} for k, v in variables.items()]
    return document | {"values": values}


def totals(report: Path) -> str:
    if not report.exists():
        return "newman: no report written"
    stats = json.loads(report.read_text())["run"]["stats"]
    requests, assertions = stats["requests"], stats["assertions"]
    return (
        f"newman: {requests['total']} requests ({requests['failed']} failed), "
        f"{assertions['total']} assertions ({assertions['failed']} failed)"
    )


if __name__ == "__main__":
    sys.exit(main())
