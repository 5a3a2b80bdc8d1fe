"""The domain core: plain Python, no framework. See STYLE.md for the dependency rule."""
