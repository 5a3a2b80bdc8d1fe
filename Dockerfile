# One image for `hexa serve`, `hexa worker` and `hexa migrate` (OPSHANDOFF.md).
# Installs exactly the pinned, hashed requirements/runtime.txt; runs as a non-root user;
# only var/ (SQLite, local blobs) is written, so the root filesystem can be read-only.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.9 \
    && uv venv /opt/venv
# Dependencies first: this layer is rebuilt only when the lock changes.
COPY requirements/runtime.txt requirements/runtime.txt
RUN uv pip install --python /opt/venv/bin/python --require-hashes -r requirements/runtime.txt
COPY . .
# Editable: the migrations are found beside the sources (db/migrations), as in a checkout.
RUN uv pip install --python /opt/venv/bin/python --no-deps -e . \
    && mkdir -p /app/var

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    ENV=prod \
    HOST=0.0.0.0 \
    PORT=8000
RUN groupadd --system --gid 10001 hexa \
    && useradd --system --uid 10001 --gid hexa --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin hexa
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /app /app
RUN chown hexa:hexa /app/var
VOLUME ["/app/var"]
USER 10001:10001
EXPOSE 8000
# Liveness of `hexa serve` only; a worker container overrides it with `hexa worker-alive`.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
# uvicorn and arq handle SIGTERM themselves: the exec form makes hexa PID 1, so the
# signal reaches it and in-flight requests or jobs finish within their grace period.
STOPSIGNAL SIGTERM
CMD ["hexa", "serve"]
