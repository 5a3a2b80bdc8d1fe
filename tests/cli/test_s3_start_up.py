"""`hexa serve` with BLOB_BACKEND=s3 whose bucket or endpoint is wrong: one line naming
the setting, no traceback, the secret key never echoed."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import _free_port, hexa
from tests.servers import S3Server


def _serve(tmp_path: Path, s3: S3Server, bucket: str, **more: str) -> tuple[int, list[str]]:
    settings = s3.environment(bucket, **more) | {"PERSISTENCE": "memory", "PORT": str(_free_port())}
    result = hexa("serve", cwd=tmp_path, **settings)
    assert "Traceback" not in result.stderr
    assert s3.secret_key not in result.stderr
    return result.returncode, result.stderr.splitlines()


def test_a_missing_bucket_stops_serve_with_one_line_naming_it(tmp_path: Path, s3: S3Server) -> None:
    status, [line] = _serve(tmp_path, s3, "no-such-bucket")
    assert status == 2
    assert line.startswith("hexa: configuration error: S3_BUCKET 'no-such-bucket' does not exist")


def test_an_endpoint_that_does_not_answer_stops_serve_with_one_line_naming_it(
    tmp_path: Path, s3: S3Server
) -> None:
    nowhere = f"http://127.0.0.1:{_free_port()}"
    status, [line] = _serve(tmp_path, s3, "a-bucket", s3_endpoint=nowhere)
    assert status == 1
    assert line.startswith(f"hexa: S3_ENDPOINT {nowhere} cannot be reached")
