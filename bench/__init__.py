"""Benchmarks that print figures rather than assert them: ``python -m bench.<name>``
(engine: µs per training step; geometry: ms per grid frame)."""
