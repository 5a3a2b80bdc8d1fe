"""S3 as the blob store (BLOB_BACKEND=s3): one aiobotocore client per process, opened
with the app's or the worker's lifespan, and a sign-only one for S3_PUBLIC_ENDPOINT."""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from hexa.adapters.s3.blobs import S3BlobStore, error_code
from hexa.config import ConfigError, Settings
from hexa.domain.errors import Unavailable

if TYPE_CHECKING:
    from types_aiobotocore_s3.client import S3Client

# How long one request may wait to connect, and for an answer (a part of 8 MiB included).
CONNECT_SECONDS = 5.0
READ_SECONDS = 60.0


def client_config(settings: Settings) -> AioConfig:
    return AioConfig(
        # botocore would presign SigV2 in us-east-1; every S3-compatible speaks SigV4.
        signature_version="s3v4",
        # A custom endpoint (MinIO, a test server) serves buckets as paths, not hosts.
        s3={"addressing_style": "path" if settings.s3_endpoint else "auto"},
        # botocore >= 1.36 adds CRC checksums to every upload by default, which several
        # S3-compatibles refuse; MD5 where S3 requires one is enough.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=CONNECT_SECONDS,
        read_timeout=READ_SECONDS,
        retries={"mode": "standard", "max_attempts": 3},
    )


async def blob_store(settings: Settings, stack: AsyncExitStack) -> S3BlobStore:
    """The bucket's store, once the bucket answers. `ConfigError` names the setting when
    the bucket is missing or refused; `Unavailable` when the endpoint cannot be reached."""
    assert settings.s3_bucket is not None  # the settings refuse s3 without a bucket
    session = get_session()
    options: dict[str, Any] = {
        "region_name": settings.resolved_s3_region,
        "config": client_config(settings),
    }
    if settings.aws_access_key_id and settings.aws_secret_access_key:
        options["aws_access_key_id"] = settings.aws_access_key_id
        options["aws_secret_access_key"] = settings.aws_secret_access_key.get_secret_value()
        if settings.aws_session_token:  # temporary keys (an assumed role's)
            options["aws_session_token"] = settings.aws_session_token.get_secret_value()
    client: S3Client = await stack.enter_async_context(
        session.create_client("s3", endpoint_url=settings.s3_endpoint, **options)
    )
    signer = client
    public = settings.s3_public_endpoint
    if public and public != settings.s3_endpoint:
        signer = await stack.enter_async_context(
            session.create_client("s3", endpoint_url=public, **options)
        )
    await _check_bucket(client, settings)
    return S3BlobStore(client, bucket=settings.s3_bucket, prefix=settings.s3_prefix, signer=signer)


async def _check_bucket(client: S3Client, settings: Settings) -> None:
    where = f"at S3_ENDPOINT {settings.s3_endpoint}" if settings.s3_endpoint else "on AWS"
    try:
        await client.head_bucket(Bucket=str(settings.s3_bucket))
    except ClientError as error:
        code = error_code(error)
        if code in ("404", "NoSuchBucket"):
            raise ConfigError(f"S3_BUCKET {settings.s3_bucket!r} does not exist {where}") from None
        if code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
            raise ConfigError(
                f"S3_BUCKET {settings.s3_bucket!r} {where} refuses these credentials ({code}): "
                "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the role's policy"
            ) from None
        raise Unavailable(f"S3_BUCKET {settings.s3_bucket!r} {where} answered {code}") from None
    except BotoCoreError as error:  # no credentials found, or no connection
        if type(error).__name__ == "NoCredentialsError":
            raise ConfigError(
                "BLOB_BACKEND is s3 but no AWS credentials were found: set "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give the pod a role"
            ) from None
        target = f"S3_ENDPOINT {settings.s3_endpoint}" if settings.s3_endpoint else "AWS S3"
        raise Unavailable(f"{target} cannot be reached ({type(error).__name__})") from None
    except OSError as error:
        raise Unavailable(
            f"S3_ENDPOINT {settings.s3_endpoint} cannot be reached ({error})"
        ) from None
