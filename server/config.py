"""Configuration: the environment read once into a frozen ``Config``.

Every setting is one dataclass field whose metadata names its environment
variable and says what it means; that table alone drives parsing, the
defaults and the README's configuration table (a test keeps it in step).
This module imports nothing heavy, so ``gunicorn.conf.py`` can use it too.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Mapping


ENGINE_MAX_CLASSES = 8   # engine.network.MAX_CLASSES (not imported: this module stays light)
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """An environment variable that cannot be read as its setting's type."""


def setting(env: str, default: Any, meaning: str) -> Any:
    return field(default=default, metadata={"env": env, "meaning": meaning})


@dataclass(frozen=True)
class Limits:
    """What one request may ask for; the schemas read these (see fields.py)."""
    max_layers: int = 8
    max_units: int = 256
    max_params: int = 100_000
    max_points: int = 10_000
    max_classes: int = 8
    max_grid: int = 200
    max_steps: int = 10_000
    max_epochs: int = 100


@dataclass(frozen=True)
class Config:
    host: str = setting("HOST", "0.0.0.0", "Address gunicorn binds to (`make run` passes 127.0.0.1).")
    port: int = setting("PORT", 5000, "Port gunicorn listens on.")
    web_concurrency: int = setting(
        "WEB_CONCURRENCY", 2,
        "gunicorn worker processes; forced to 1 with the memory store (sessions live in the process).")
    threads: int = setting("THREADS", 4, "Threads per gunicorn worker (gthread).")
    redis_url: str = setting(
        "REDIS_URL", "",
        "Redis for sessions and rate limits (`redis://host:port/db`); unset: in-process memory store.")
    secret_key: str = setting(
        "SECRET_KEY", "", "Flask secret key; unset: a random one per start, with a warning.")
    session_idle_seconds: int = setting(
        "SESSION_IDLE_SECONDS", 3600,
        "A session untouched this long is dropped (the page then resumes it from what it holds).")
    max_sessions: int = setting("MAX_SESSIONS", 2000, "Memory store: most sessions kept (least recently used go first).")
    max_store_mb: int = setting("MAX_STORE_MB", 512, "Memory store: most megabytes of session state kept.")
    session_lock_wait_ms: int = setting(
        "SESSION_LOCK_WAIT_MS", 6000,
        "How long a request waits for another request on the same session before answering 409.")
    session_lock_ttl_ms: int = setting(
        "SESSION_LOCK_TTL_MS", 5000,
        "Redis store: a session lock left by a dead worker expires after this long (a live "
        "holder renews it while it works).")
    session_max_kb: int = setting(
        "SESSION_MAX_KB", 4096,
        "Redis store: largest session in KB (the biggest at the default limits, Adam with "
        "100,000 parameters and 10,000 points, takes about 2.6 MB); larger: 413.")
    sessions_per_address: int = setting(
        "SESSIONS_PER_ADDRESS", 20,
        "Redis store: most live sessions created from one client address, times "
        "CLIENTS_PER_ADDRESS; more: 429 with Retry-After.")
    redis_store_mb: int = setting(
        "REDIS_STORE_MB", 1024,
        "Redis store: most megabytes of session state; past 90% new sessions get 503 with "
        "Retry-After, the rest is room for stored sessions to grow.")
    advance_budget_ms: int = setting(
        "ADVANCE_BUDGET_MS", 250,
        "Most training time one request may use; past it the frame says `partial` (a step estimated "
        "to take longer alone is refused).")
    frame_budget_ms: int = setting(
        "FRAME_BUDGET_MS", 250,
        "Most drawing time one frame may use, estimated before drawing (server/cost.py); past it the "
        "frame is drawn coarser and says `degraded`.")
    trial_weights_kb: int = setting(
        "TRIAL_WEIGHTS_KB", 32768,
        "Most KB one experiment keeps of its trials' final states (weights, optimizer state, "
        "history), so that any trial opens in the playground exactly (8 architectures of one "
        "Adam trial at MAX_PARAMS take about 25 MB); more: 400 naming `trials`.")
    busy_wait_ms: int = setting(
        "BUSY_WAIT_MS", 100,
        "A request that waited this long for the processor or a thread (server/busy.py) answers "
        "`Crease-Busy` 1 or more; the page then asks for more epochs per frame at a lower frame rate.")
    heavy_per_address: int = setting(
        "HEAVY_PER_ADDRESS", 1,
        "Heavy requests (estimated 100 ms or more, server/heavy.py) one client address may have in "
        "flight; more answer 429 + Retry-After.  Raise it for a class behind one NAT address.")
    max_content_length: int = setting(
        "MAX_CONTENT_LENGTH", 4 * 1024 * 1024, "Largest request body in bytes (larger: 413).")
    rate_limit: str = setting(
        "RATE_LIMIT", "60 per second;3000 per minute",
        "Requests per session over all its routes, and per address for requests without one "
        "(`N per [M] second|minute|hour|day`, windows joined by `;`); empty: every rate limit off.")
    address_rate_limit: str = setting(
        "ADDRESS_RATE_LIMIT", "60 per second;2400 per minute",
        "Work per client address over all its sessions and routes, in units (an advance or "
        "a frame 1, a new run 5: `COSTS` in server/security.py); malformed requests are not "
        "charged; empty: off.")
    clients_per_address: int = setting(
        "CLIENTS_PER_ADDRESS", 1,
        "Students who may share one address (a class behind one NAT: its size); multiplies "
        "the per-address limits (sessions, requests, work), while RATE_LIMIT still holds "
        "each session to one share.")
    trust_proxy_hops: int = setting(
        "TRUST_PROXY_HOPS", 0,
        "Proxies in front of the app whose X-Forwarded-For/-Proto to trust (1 on Heroku).")
    frame_ancestors: str = setting(
        "FRAME_ANCESTORS", "'self'",
        "CSP frame-ancestors: who may embed the page, e.g. `'self' https://course.example.edu`.")
    static_cache_dir: str = setting(
        "STATIC_CACHE_DIR", "",
        "Where gzipped copies of static files are written once; unset: a folder in the temp directory.")
    replay_checkpoints: int = setting(
        "REPLAY_CHECKPOINTS", 200,
        "Most past epochs a session keeps to replay and branch from (at least 3); past it older "
        "ones are thinned: the latest half all kept, older ones at power-of-two spacing, the "
        "first, the lowest validation loss and the latest always (engine/timeline.py).")
    replay_kb: int = setting(
        "REPLAY_KB", 512,
        "Most KB of past epochs a session keeps (part of its stored size: MAX_STORE_MB; on Redis "
        "no more than the session leaves of 7/8 of SESSION_MAX_KB); thinned as above, and a "
        "network whose one epoch is larger keeps none (the timeline says so).")
    log_level: str = setting("LOG_LEVEL", "INFO", "Python logging level for the app's log (stdout).")
    max_layers: int = setting("MAX_LAYERS", Limits.max_layers, "Most hidden layers.")
    max_units: int = setting("MAX_UNITS", Limits.max_units, "Most units in one hidden layer.")
    max_params: int = setting("MAX_PARAMS", Limits.max_params, "Most weights and biases in one network.")
    max_points: int = setting("MAX_POINTS", Limits.max_points, "Most data points (training + validation).")
    max_classes: int = setting("MAX_CLASSES", Limits.max_classes, "Most classes.")
    max_grid: int = setting("MAX_GRID", Limits.max_grid, "Largest grid resolution of a frame (cells per side).")
    max_steps: int = setting("MAX_STEPS", Limits.max_steps, "Most minibatch steps one request may ask for.")
    max_epochs: int = setting("MAX_EPOCHS", Limits.max_epochs, "Most epochs one request may ask for.")

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> "Config":
        """Read every setting from ``mapping`` (``os.environ`` or a test's dict).
        Values may be strings (as in the environment) or already typed."""
        values = {}
        for f in dataclasses.fields(cls):
            env = f.metadata["env"]
            if env in mapping:
                values[f.name] = _parse(env, mapping[env], type(f.default))
        config = cls(**values)
        config._check()
        return config

    @classmethod
    def from_env(cls) -> "Config":
        return cls.from_mapping(os.environ)

    @property
    def store_kind(self) -> str:
        return "redis" if self.redis_url else "memory"

    @property
    def limits(self) -> Limits:
        return Limits(**{f.name: getattr(self, f.name) for f in dataclasses.fields(Limits)})

    def _check(self) -> None:
        positive = ["port", "web_concurrency", "threads", "session_idle_seconds", "max_sessions",
                    "max_store_mb", "session_lock_ttl_ms", "advance_budget_ms", "frame_budget_ms", "trial_weights_kb", "busy_wait_ms",
                    "heavy_per_address", "max_content_length",
                    *[f.name for f in dataclasses.fields(Limits)]]
        positive += ["session_max_kb", "sessions_per_address", "redis_store_mb", "clients_per_address",
                     "replay_kb"]
        for name in positive:
            if getattr(self, name) < 1:
                raise ConfigError(f"{_env_of(name)} must be at least 1, not {getattr(self, name)}")
        if self.trust_proxy_hops < 0 or self.session_lock_wait_ms < 0:
            raise ConfigError("TRUST_PROXY_HOPS and SESSION_LOCK_WAIT_MS cannot be negative")
        if not 2 <= self.max_classes <= ENGINE_MAX_CLASSES:
            raise ConfigError(f"MAX_CLASSES must be 2..{ENGINE_MAX_CLASSES} (the engine's range)")
        if self.replay_checkpoints < 3:
            raise ConfigError("REPLAY_CHECKPOINTS must be at least 3 (the first, best and latest epochs)")
        if self.log_level.upper() not in LOG_LEVELS:
            raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")


def _env_of(name: str) -> str:
    return next(f.metadata["env"] for f in dataclasses.fields(Config) if f.name == name)


def _parse(env: str, raw: Any, kind: type) -> Any:
    if kind is int and isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if not isinstance(raw, str):
        raise ConfigError(f"{env} must be a {kind.__name__}, not {raw!r}")
    if kind is str:
        return raw.strip()
    try:
        return int(raw.strip().replace("_", ""))
    except ValueError:
        raise ConfigError(f"{env} must be a whole number, not {raw!r}") from None


def markdown_table() -> str:
    """The configuration table in the README."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for f in dataclasses.fields(Config):
        default = f"`{f.default}`" if f.default != "" else "(unset)"
        rows.append(f"| `{f.metadata['env']}` | {default} | {f.metadata['meaning']} |")
    return "\n".join(rows) + "\n"
