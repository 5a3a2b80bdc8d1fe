"""Cost of checking a credential, in microseconds per verification.

    .venv/bin/python scripts/bench_auth.py [--n 20000]

Measures, in one run and one process: an API key through `ApiKeyService.authenticate`
(warm verification cache: parse, checksum, HMAC-SHA-256, constant-time compare, counter
read), the same with the cache dropped before every call (a store read each time, memory
and SQLite), a flipped-checksum key (refused before any store read), and a JWT through
`JwtAccessTokens.read`. Ratios are against the JWT read.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from hexa.adapters.security.passwords import Argon2PasswordHasher
from hexa.bootstrap import build, migrate
from hexa.config import load_settings
from hexa.domain.access import Principal, PrincipalKind, every_scope
from hexa.domain.errors import Unauthenticated


async def _per_call(call: Callable[[], Awaitable[object]], n: int) -> float:
    for _ in range(min(n, 200)):
        await call()
    started = time.perf_counter()
    for _ in range(n):
        await call()
    return (time.perf_counter() - started) / n * 1e6


async def _refused(call: Callable[[], Awaitable[object]]) -> None:
    try:
        await call()
    except Unauthenticated:
        return
    raise AssertionError("a forged key was accepted")


async def bench(persistence: str, n: int, database_url: str | None) -> dict[str, float]:
    overrides: dict[str, object] = {"persistence": persistence}
    if database_url:
        overrides["database_url"] = database_url
    settings = load_settings(**overrides)
    if persistence == "sql":
        migrate(settings)
    ops = Principal(PrincipalKind.SERVICE, "bench", frozenset(every_scope()))
    async with build(settings, hasher=Argon2PasswordHasher.fast_for_tests()) as hexa:
        issued = await hexa.api_keys.create(
            ops, name="bench", scopes=frozenset(every_scope()), expires_at=None
        )
        token = issued.token
        flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
        jwt_token = hexa.tokens.issue("bench", frozenset(every_scope()), kind="service")
        service = hexa.api_keys

        async def cold() -> object:
            service._cache.clear()  # noqa: SLF001 - measuring the uncached path on purpose
            return await service.authenticate(token)

        async def read_jwt() -> object:
            return hexa.tokens.read(jwt_token)

        return {
            "api key, cache warm": await _per_call(lambda: service.authenticate(token), n),
            "api key, store read": await _per_call(cold, max(n // 10, 100)),
            "api key, bad checksum": await _per_call(
                lambda: _refused(lambda: service.authenticate(flipped)), n
            ),
            "jwt": await _per_call(read_jwt, n),
        }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        results = {
            "memory": await bench("memory", args.n, None),
            "sqlite": await bench("sql", args.n, sqlite),
        }
    jwt = results["memory"]["jwt"]
    print(f"{'store':8} {'check':24} {'µs/verification':>16} {'× jwt':>7}")
    for store, rows in results.items():
        for name, micros in rows.items():
            print(f"{store:8} {name:24} {micros:16.1f} {micros / jwt:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
