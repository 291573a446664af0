"""Session stores behind one interface (base.SessionStore): memory or Redis."""
from __future__ import annotations

from ..config import Config
from .base import Held, PartsChange, SessionStore, new_session_id
from .memory import MemoryStore


def make_store(config: Config) -> SessionStore:
    wait_s = config.session_lock_wait_ms / 1000
    if config.redis_url:
        from .redis_store import RedisStore
        return RedisStore(config.redis_url, config.session_idle_seconds, wait_s,
                          config.session_lock_ttl_ms, max_session_bytes=config.session_max_kb * 1024,
                          sessions_per_address=config.sessions_per_address * config.clients_per_address,
                          store_bytes=config.redis_store_mb * 1024 * 1024)
    return MemoryStore(config.max_sessions, config.max_store_mb * 1024 * 1024,
                       config.session_idle_seconds, wait_s)


__all__ = ["Held", "MemoryStore", "PartsChange", "SessionStore", "make_store", "new_session_id"]
