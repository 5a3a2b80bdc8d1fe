"""Implementations of the ports. Families (memory, sql, mongo) never import each other."""
