"""Crease's web server: a thin Flask adapter around the engine.

``create_app(config)`` builds an app from a ``Config``, a mapping of
environment-style settings (tests), or the environment itself (None).
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
from dataclasses import dataclass
from typing import Any, Mapping

from engine.allocator import keep_freed_memory
from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
import orjson

from . import assets, bodies, busy, compression, errors, heavy, security, timing
from .config import Config
from .ratelimit import RateLimiter
from .store import SessionStore, make_store

log = logging.getLogger(__name__)


class CompactJSON(DefaultJSONProvider):
    """Compact, key order kept, never NaN (invalid JSON; orjson writes null),
    NumPy scalars and arrays as numbers.  orjson: a frame in 8 us, against
    0.25 ms for the standard library (the same bytes)."""

    OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default, option=self.OPTIONS).decode()

    def response(self, *args: Any, **kwargs: Any):
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=self.OPTIONS | orjson.OPT_APPEND_NEWLINE)
        return self._app.response_class(body, mimetype=self.mimetype)


@dataclass
class Crease:
    """What the views need, attached to the app as ``app.extensions["crease"]``."""
    config: Config
    store: SessionStore
    assets: assets.Assets
    limiter: RateLimiter
    sessions: Any = None
    _openapi: dict | None = None

    def openapi(self) -> dict:
        if self._openapi is None:
            from .openapi import build_document
            self._openapi = build_document(self.config.limits)
        return self._openapi


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    if not isinstance(config, Config):
        config = Config.from_mapping(os.environ if config is None else config)
    _configure_logging(config)
    keep_freed_memory()   # frames and steps reuse freed arrays instead of page-faulting (engine/allocator.py)
    app = Flask(__name__, static_folder=None, template_folder=str(assets.ROOT / "templates"))
    app.json = CompactJSON(app)
    app.config.update(SECRET_KEY=config.secret_key or _random_secret(),
                      MAX_CONTENT_LENGTH=config.max_content_length,
                      MAX_FORM_MEMORY_SIZE=config.max_content_length)
    bodies.init_app(app)
    store = make_store(config)
    busy.init_app(app, config.busy_wait_ms)   # before timing: its after_request runs last of all
    timing.init_app(app)   # early: its after_request runs after the others, so it counts them
    heavy.init_app(app, store, config)
    limiter = security.init_app(app, config)
    static = assets.init_app(app, config.static_cache_dir, security.security_headers(config))
    compression.init_app(app)
    errors.init_app(app)
    app.extensions["crease"] = Crease(config, store, static, limiter)

    from . import api, experiment_trials, experiments, lessons, pages, sessions
    from .routing import SessionIdConverter
    app.url_map.converters["sid"] = SessionIdConverter
    app.extensions["crease"].sessions = sessions.Sessions(store, config)
    app.register_blueprint(api.health)
    app.register_blueprint(api.api)
    app.register_blueprint(pages.pages)
    for bp in (lessons.lessons_api, lessons.lesson_pages, experiments.experiments_api,
               experiments.experiment_pages, experiment_trials.trials_api):
        app.register_blueprint(bp)
    return app


def crease() -> Crease:
    return current_app.extensions["crease"]


def _random_secret() -> str:
    log.warning("SECRET_KEY is not set: using a random key for this process "
                "(set SECRET_KEY in production)")
    return secrets.token_hex(32)


def _configure_logging(config: Config) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(stream=sys.stdout, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger(__name__).setLevel(config.log_level.upper())
