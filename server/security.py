"""Security basics: headers on every response, proxy trust, rate limiting.

The page has no inline scripts, so the Content-Security-Policy allows
scripts from this origin only.  Styles may be inline because Plotly.js sets
style attributes and inserts its own stylesheet.  ``frame-ancestors`` comes
from the config so a course site can embed the playground.
"""
from __future__ import annotations

import limits
from flask import Flask, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, ConfigError

# Endpoints that are never rate limited: health checks must always answer.
UNLIMITED_ENDPOINTS = {"health.healthz"}


def content_security_policy(frame_ancestors: str) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def security_headers(config: Config) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(config.frame_ancestors),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    # Older browsers ignore frame-ancestors; tell them too when it is simple.
    legacy = {"'self'": "SAMEORIGIN", "'none'": "DENY"}.get(config.frame_ancestors.strip())
    if legacy:
        headers["X-Frame-Options"] = legacy
    return headers


def client_address() -> str:
    """The client's address (the proxy's view of it with TRUST_PROXY_HOPS)."""
    return request.remote_addr or "unknown"


def client_key() -> str:
    """One rate-limit bucket per client address, and per session on session
    routes: a lecture hall behind one NAT address is many clients."""
    sid = (request.view_args or {}).get("sid")
    address = client_address()
    return f"{address}|{sid}" if sid else address


def limiter_storage_uri(redis_url: str) -> str:
    if not redis_url:
        return "memory://"
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url


def init_app(app: Flask, config: Config) -> Limiter:
    headers = security_headers(config)

    @app.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    try:
        limits.parse_many(config.rate_limit) if config.rate_limit else None
    except ValueError:
        raise ConfigError(f"RATE_LIMIT is not a rate limit: {config.rate_limit!r} "
                          "(e.g. '25 per second;1000 per minute')") from None

    if config.trust_proxy_hops:
        hops = config.trust_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    return Limiter(
        client_key,
        app=app,
        default_limits=[config.rate_limit] if config.rate_limit else [],
        default_limits_exempt_when=lambda: request.endpoint in UNLIMITED_ENDPOINTS,
        storage_uri=limiter_storage_uri(config.redis_url),
        storage_options={"socket_timeout": 2, "socket_connect_timeout": 2} if config.redis_url else {},
        swallow_errors=True,  # Redis down: serve (the store answers 503) rather than fail here
        headers_enabled=True,
        key_prefix="crease",
        enabled=bool(config.rate_limit),
    )
