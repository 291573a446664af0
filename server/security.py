"""Security basics: headers on every response, proxy trust, rate limiting.

The page has no inline scripts, so the Content-Security-Policy allows
scripts from this origin only.  Styles may be inline because Plotly.js sets
style attributes and inserts its own stylesheet.  ``frame-ancestors`` comes
from the config so a course site can embed the playground.

Rate limits hold a client, not a session: each session's requests, over all
its routes, share RATE_LIMIT; requests without a session share it per
address; and all the expensive work from one address, over every session
and route, shares ADDRESS_RATE_LIMIT, each request charged its route's
``COSTS``.  The per-address limits are multiplied by CLIENTS_PER_ADDRESS (a
class behind one NAT); a session keeps its own share either way.  A request
refused as malformed is not charged to its address (it cost little, and one
client's flood must not use up its classmates' allowance); on a session
route it still counts against that session.
"""
from __future__ import annotations

import time

import limits
from flask import Flask, request
from flask_limiter import Limit, Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, ConfigError

# Endpoints that are never rate limited: health checks must always answer.
UNLIMITED_ENDPOINTS = {"health.healthz"}
# Endpoint -> units of the address's work budget.  One unit is a request whose
# work the server bounds by a budget (a frame, an advance, an edit); building a
# run from data and drawing it whole is five.  Not listed: free (static answers).
COSTS = {
    "api.create_session": 5, "api.import_session": 5, "api.update_network": 5,
    "api.update_data": 5, "experiments_api.create_experiment": 5,
    "experiments_api.experiment_results": 5,
    "api.datafile": 2, "api.export": 2,
    "api.get_session": 1, "api.advance": 1, "api.frame": 1, "api.update_training": 1,
    "api.reset": 1, "api.set_weights": 1, "api.probe": 1, "api.apply_probe": 1,
    "api.edit_points": 1, "api.replay_info": 1, "api.replay_frame": 1, "api.replay_continue": 1,
    "experiments_api.advance_experiment": 1,
    "lessons_api.probe_hand_set": 1, "lessons_api.softmax_comparison": 1,
}
# Answers that refuse a request as malformed before any work.
MALFORMED = {400, 413, 415}


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


def session_of_request() -> str | None:
    args = request.view_args or {}
    return args.get("sid") or args.get("eid")


def client_key() -> str:
    """One rate-limit bucket per session on session routes, else per address."""
    sid = session_of_request()
    address = client_address()
    return f"{address}|{sid}" if sid else address


def unlimited() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS


def request_cost() -> int:
    return COSTS.get(request.endpoint or "", 0)


def times(rate_limit: str, factor: int) -> str:
    """'60 per second;3000 per minute' with every amount multiplied by ``factor``."""
    return ";".join(f"{item.amount * factor} per {item.multiples} {item.GRANULARITY.name}"
                    for item in limits.parse_many(rate_limit))


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

    for env, value in (("RATE_LIMIT", config.rate_limit),
                       ("ADDRESS_RATE_LIMIT", config.address_rate_limit)):
        try:
            limits.parse_many(value) if value else None
        except ValueError:
            raise ConfigError(f"{env} is not a rate limit: {value!r} "
                              "(e.g. '25 per second;1000 per minute')") from None

    if config.trust_proxy_hops:
        hops = config.trust_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    limiter = Limiter(
        client_key,
        app=app,
        default_limits=client_limits(config),
        storage_uri=limiter_storage_uri(config.redis_url),
        storage_options={"socket_timeout": 2, "socket_connect_timeout": 2} if config.redis_url else {},
        swallow_errors=True,  # Redis down: serve (the store answers 503) rather than fail here
        # X-RateLimit-* on every answer cost two storage round trips a request;
        # the page reads only a refusal's Retry-After, set below
        headers_enabled=False,
        key_prefix="crease",
        enabled=bool(config.rate_limit),
    )

    @app.after_request
    def retry_after(response):
        if response.status_code == 429 and "Retry-After" not in response.headers:
            refused = limiter.current_limit
            if refused is not None and refused.breached:
                response.headers["Retry-After"] = str(max(1, int(refused.reset_at - time.time())))
        return response

    return limiter


def client_limits(config: Config) -> list[Limit]:
    """Per session over all its routes; per address without a session; the
    address's work over everything (see the module docstring)."""
    if not config.rate_limit:
        return []
    clients = config.clients_per_address
    made = [
        Limit(config.rate_limit, scope="session", shared=True,
              exempt_when=lambda: unlimited() or session_of_request() is None,
              error_message=f"{config.rate_limit} for one session (RATE_LIMIT)"),
        Limit(times(config.rate_limit, clients), key_function=client_address, scope="address",
              shared=True, exempt_when=lambda: unlimited() or session_of_request() is not None,
              deduct_when=lambda response: response.status_code not in MALFORMED,
              error_message=f"{times(config.rate_limit, clients)} for one address (RATE_LIMIT "
                            "times CLIENTS_PER_ADDRESS)"),
    ]
    if config.address_rate_limit:
        work = times(config.address_rate_limit, clients)
        made.append(Limit(work, key_function=client_address, scope="work", shared=True,
                          cost=request_cost, exempt_when=lambda: request_cost() == 0,
                          deduct_when=lambda response: response.status_code < 400,
                          error_message=f"{work} units of work for one address "
                                        "(ADDRESS_RATE_LIMIT times CLIENTS_PER_ADDRESS)"))
    return made
