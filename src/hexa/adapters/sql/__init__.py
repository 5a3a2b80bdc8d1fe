"""SQL adapters over SQLAlchemy 2 async: SQLite (aiosqlite) and PostgreSQL (asyncpg)."""
