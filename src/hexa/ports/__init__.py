"""Interfaces the core needs from the outside world, as `typing.Protocol` classes."""
