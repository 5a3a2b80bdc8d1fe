"""The FastAPI driver."""
