"""The MongoDB family: every repository port in one database, through PyMongo's async
client (`PERSISTENCE=mongo` or a `*_BACKEND=mongo`, with MONGO_URI)."""

from __future__ import annotations

from hexa.adapters.mongo.database import MongoDatabase
from hexa.bootstrap.families import Database
from hexa.config import Settings


async def open_backend(settings: Settings) -> Database:
    assert settings.mongo_uri is not None  # Settings refuse mongo without MONGO_URI
    database = MongoDatabase.from_uri(settings.mongo_uri)
    try:
        await database.prepare()
    except Exception:
        await database.close()
        raise
    return database
