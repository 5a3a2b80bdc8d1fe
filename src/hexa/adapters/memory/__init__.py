"""In-process adapters: real implementations that keep everything in memory."""
