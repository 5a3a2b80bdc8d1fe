"""Drivers: the ways into Hexa (HTTP now, the worker later). Thin: translate, then call a
service."""
