"""Redis adapters (redis-py's asyncio client): shared rate limits, the API-key change
counter, and an API-key store."""
