"""Security adapters: argon2 password hashing, JWT access tokens."""
