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
route it still counts against that session.  The counting is ratelimit.py's:
one storage round trip a request.
"""
from __future__ import annotations

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Config, ConfigError
from .errors import error_response
from .ratelimit import Charge, MemoryCounters, RateLimiter, RedisCounters, Rule, parse, scaled

# Endpoints that are never rate limited: health checks must always answer.
UNLIMITED_ENDPOINTS = {"health.healthz"}
# Endpoint -> units of the address's work budget.  One unit is a request whose
# work the server bounds by a budget (a frame, an advance, an edit); building a
# run from data and drawing it whole is five.  Not listed: free (static answers).
COSTS = {
    "api.create_session": 5, "api.import_session": 5, "api.update_network": 5,
    "api.update_data": 5, "experiments_api.create_experiment": 5,
    "experiments_api.experiment_results": 5, "experiment_trials.open_in_playground": 5,
    "experiment_trials.trial_multiples": 2,
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


def unlimited() -> bool:
    return request.endpoint in UNLIMITED_ENDPOINTS


def request_cost() -> int:
    return COSTS.get(request.endpoint or "", 0)


def init_app(app: Flask, config: Config) -> RateLimiter:
    headers = security_headers(config)

    @app.after_request
    def add_security_headers(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

    for env, value in (("RATE_LIMIT", config.rate_limit),
                       ("ADDRESS_RATE_LIMIT", config.address_rate_limit)):
        try:
            parse(value) if value else None
        except ValueError:
            raise ConfigError(f"{env} is not a rate limit: {value!r} "
                              "(e.g. '25 per second;1000 per minute')") from None

    if config.trust_proxy_hops:
        hops = config.trust_proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    counters = RedisCounters(config.redis_url) if config.redis_url else MemoryCounters()
    limiter = RateLimiter(client_limits(config), counters)

    @app.before_request
    def rate_limit():
        outcome = limiter.check(exempt=unlimited())
        if isinstance(outcome, Charge):
            g.rate_charge = outcome
        elif outcome is not None:
            return error_response(429, "rate_limited", f"Too many requests ({outcome.rule.message}); "
                                  "slow down and try again.", headers={"Retry-After": str(outcome.retry_after_s)})
        return None

    @app.after_request
    def settle(response):
        charge = g.pop("rate_charge", None)
        if charge is not None:
            limiter.settle(charge, response.status_code)
        return response

    return limiter


def client_limits(config: Config) -> list[Rule]:
    """Per session over all its routes; per address without a session; the
    address's work over everything (see the module docstring)."""
    if not config.rate_limit:
        return []
    clients = config.clients_per_address
    by_address = scaled(config.rate_limit, clients)
    made = [
        Rule("session", parse(config.rate_limit), message=f"{config.rate_limit} for one session (RATE_LIMIT)",
             key=lambda: (f"{client_address()}|{session_of_request()}"
                          if session_of_request() is not None else None)),
        Rule("address", parse(by_address),
             message=f"{by_address} for one address (RATE_LIMIT times CLIENTS_PER_ADDRESS)",
             key=lambda: client_address() if session_of_request() is None else None,
             refund_when=lambda status: status in MALFORMED),
    ]
    if config.address_rate_limit:
        work = scaled(config.address_rate_limit, clients)
        made.append(Rule("work", parse(work), key=client_address, cost=request_cost,
                         refund_when=lambda status: status >= 400,
                         message=f"{work} units of work for one address "
                                 "(ADDRESS_RATE_LIMIT times CLIENTS_PER_ADDRESS)"))
    return made
