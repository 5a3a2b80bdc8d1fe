"""Use cases: each method is one business transaction over ports and domain objects."""
