"""The shapes of the server URLs the settings accept (REDIS_URL, MONGO_URI), checked when
the settings are read so a typo is one line at start-up, not a connection's traceback."""

from __future__ import annotations

from urllib.parse import urlsplit


def check_redis_url(value: str) -> None:
    """The shape redis-py and arq accept, checked here so a typo is one line at start-up
    rather than a traceback from the first connection."""
    url = urlsplit(value)
    try:
        port = url.port
    except ValueError:
        raise ValueError("the Redis URL's port must be a number from 1 to 65535") from None
    if url.scheme == "unix":
        if not url.path:
            raise ValueError("a unix:// Redis URL needs a socket path")
        return
    if url.scheme not in ("redis", "rediss"):
        raise ValueError("not a Redis URL: use redis://, rediss:// or unix://")
    if not url.hostname:
        raise ValueError("the Redis URL names no host (e.g. redis://127.0.0.1:6379/0)")
    if port == 0:
        raise ValueError("the Redis URL's port must be 1 to 65535")
    database = url.path.lstrip("/")
    if database and not database.isdigit():
        raise ValueError("the Redis URL's database must be a number (redis://host:6379/0)")


def check_mongo_uri(value: str) -> None:
    """mongodb://host[:port][,host...]/db or mongodb+srv://host/db, checked without the DNS
    lookup PyMongo makes for +srv. Hosts are named in errors, credentials never."""
    scheme, _, rest = value.partition("://")
    if scheme not in ("mongodb", "mongodb+srv") or not rest:
        raise ValueError("not a MongoDB URI: use mongodb:// or mongodb+srv://")
    hosts = rest.split("/", 1)[0].split("?", 1)[0].rpartition("@")[2]
    if not hosts:
        raise ValueError("the MongoDB URI names no host (e.g. mongodb://127.0.0.1:27017/hexa)")
    for host in hosts.split(","):
        name, port = _host_and_port(host)
        if not name or (port and not (port.isdigit() and 0 < int(port) < 65536)):
            raise ValueError(f"the MongoDB URI has a malformed host {host!r}")
    if scheme == "mongodb+srv" and ("," in hosts or ":" in hosts):
        raise ValueError("a mongodb+srv URI names one host and no port")


def _host_and_port(host: str) -> tuple[str, str]:
    if host.startswith("["):  # [IPv6]:port
        name, _, port = host[1:].partition("]")
        return name, port.removeprefix(":")
    name, _, port = host.partition(":")
    return name, port


def check_http_endpoint(value: str) -> str:
    """An S3 endpoint: http(s)://host[:port][/path], no credentials, query or fragment.
    Answers it without a trailing slash."""
    url = urlsplit(value)
    try:
        port = url.port
    except ValueError:
        raise ValueError("the endpoint's port must be a number from 1 to 65535") from None
    if url.scheme not in ("http", "https") or not url.hostname:
        raise ValueError("not an endpoint URL (e.g. http://127.0.0.1:9000 or https://s3.example)")
    if url.username or url.password:
        raise ValueError(
            "put credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not the URL"
        )
    if url.query or url.fragment or port == 0:
        raise ValueError("an endpoint URL has no query, fragment or port 0")
    return value.rstrip("/")
