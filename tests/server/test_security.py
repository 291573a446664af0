"""Security headers on every response, body size limit, rate limiting."""
from __future__ import annotations

import pytest

from server.security import content_security_policy

from .servers import commands_sent

HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy")
SMALL = {"data": {"n": 20}, "network": {"hidden": [2]}, "view": {"grid": 4}}
FROM_A, FROM_B = {"X-Forwarded-For": "10.0.0.1"}, {"X-Forwarded-For": "10.0.0.2"}


def csp_directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in policy.split("; ")}


@pytest.mark.parametrize("method, path", [
    ("GET", "/healthz"), ("GET", "/api/datasets"), ("GET", "/api/openapi.json"),
    ("GET", "/no/such/page"), ("POST", "/api/datasets"), ("GET", "/api/sessions/abcdefghijklmnopqrstuv"),
    ("POST", "/api/sessions"), ("GET", "/static/vendor/plotly.min.js"), ("GET", "/static/nope.js"),
])
def test_security_headers_on_every_response(client, method, path):
    response = client.open(path, method=method, data=b"{nope")
    for name in HEADERS:
        assert name in response.headers, (path, name)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    directives = csp_directives(response)
    assert directives["script-src"] == "'self'"     # no inline scripts, no eval
    assert directives["frame-ancestors"] == "'self'"
    assert directives["object-src"] == "'none'"


def test_frame_ancestors_come_from_config(make_app):
    app = make_app(FRAME_ANCESTORS="'self' https://course.example.edu")
    response = app.test_client().get("/healthz")
    assert csp_directives(response)["frame-ancestors"] == "'self' https://course.example.edu"
    assert "X-Frame-Options" not in response.headers   # it cannot say "this course site"


def test_simple_frame_ancestors_also_set_x_frame_options(make_app):
    assert make_app().test_client().get("/healthz").headers["X-Frame-Options"] == "SAMEORIGIN"
    denied = make_app(FRAME_ANCESTORS="'none'").test_client().get("/healthz")
    assert denied.headers["X-Frame-Options"] == "DENY"


def test_policy_text():
    policy = content_security_policy("'none'")
    assert "unsafe-eval" not in policy and "script-src 'self';" in policy


def test_body_larger_than_the_limit_is_413_json(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = client.post("/api/sessions", data=b"{" + b" " * 2000 + b"}",
                           content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"] == "too_large" and response.json["field"] is None


def test_upload_larger_than_the_limit_is_413_json(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1000).test_client()
    response = client.post("/api/datafile", data=b"1 2 1\n" * 400, content_type="text/plain")
    assert response.status_code == 413 and response.json["error"] == "too_large"


def test_rate_limit_answers_429_json(make_app):
    client = make_app(RATE_LIMIT="3 per minute").test_client()
    codes = [client.get("/api/datasets").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/datasets")
    assert response.json["error"] == "rate_limited"
    assert set(response.json) == {"error", "message", "field"}
    assert int(response.headers["Retry-After"]) > 0


def test_health_checks_are_never_rate_limited(make_app):
    client = make_app(RATE_LIMIT="2 per minute").test_client()
    assert {client.get("/healthz").status_code for _ in range(10)} == {200}


def test_each_session_has_its_own_bucket(make_app):
    """A lecture hall behind one address: each tab's session counts alone."""
    client = make_app(RATE_LIMIT="2 per minute").test_client()
    a, b = "a" * 22, "b" * 22
    assert [client.get(f"/api/sessions/{a}").status_code for _ in range(3)] == [404, 404, 429]
    assert client.get(f"/api/sessions/{b}").status_code == 404


def test_clients_are_told_apart_behind_a_trusted_proxy(make_app):
    client = make_app(RATE_LIMIT="1 per minute", TRUST_PROXY_HOPS=1).test_client()
    first = {"X-Forwarded-For": "10.0.0.1"}
    assert client.get("/api/datasets", headers=first).status_code == 200
    assert client.get("/api/datasets", headers=first).status_code == 429
    assert client.get("/api/datasets", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 200


def test_untrusted_forwarded_for_is_ignored(make_app):
    client = make_app(RATE_LIMIT="1 per minute").test_client()
    assert client.get("/api/datasets", headers={"X-Forwarded-For": "10.0.0.1"}).status_code == 200
    assert client.get("/api/datasets", headers={"X-Forwarded-For": "10.0.0.2"}).status_code == 429


def test_rate_limit_is_shared_through_redis(make_app, redis_url):
    """Two apps (two gunicorn workers) on one Redis count one client together."""
    one = make_app(RATE_LIMIT="3 per minute", REDIS_URL=redis_url).test_client()
    two = make_app(RATE_LIMIT="3 per minute", REDIS_URL=redis_url).test_client()
    codes = [c.get("/api/datasets").status_code for c in (one, two, one, two)]
    assert codes == [200, 200, 200, 429]


def test_the_limits_cost_a_request_one_round_trip(make_app, redis_url, monkeypatch):
    """Every limit of a request (the session's two windows, the address's work
    in two) is counted in one call to Redis; only an answer that gives its
    charge back (a malformed request is not the address's work) costs a second.
    A refusal still says when to ask again."""
    app = make_app(RATE_LIMIT="4 per minute;1000 per hour",
                   ADDRESS_RATE_LIMIT="1000 per minute;5000 per hour", REDIS_URL=redis_url)
    limiter_redis = app.extensions["crease"].limiter.counters.client
    sent = commands_sent(limiter_redis, monkeypatch)
    client = app.test_client()
    sid = client.post("/api/sessions", json=SMALL).json["session"]
    client.post("/api/sessions", json={"data": 1})       # Redis learns both scripts (SCRIPT LOAD)
    sent.clear()
    answers = [client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}) for _ in range(3)]
    assert [r.status_code for r in answers] == [200] * 3 and len(sent) == 3
    assert not any("X-RateLimit-Remaining" in r.headers for r in answers)
    sent.clear()
    assert client.post(f"/api/sessions/{sid}/advance", json={"steps": "many"}).status_code == 400
    assert len(sent) == 2                                # counted, then the work given back
    refused = client.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
    assert refused.status_code == 429 and 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "RATE_LIMIT" in refused.json["message"]


def test_bad_rate_limit_setting_fails_at_start(make_app):
    from server.config import ConfigError
    with pytest.raises(ConfigError, match="RATE_LIMIT"):
        make_app(RATE_LIMIT="lots")


# ---- a client, not a session: the address's budget, malformed requests, NAT -----------

def test_one_address_with_many_sessions_is_held_to_its_budget(make_app):
    """Twelve sessions from one address share one budget of work, whatever
    the per-session limit, and cheap reads are not charged to it."""
    from server.security import COSTS
    creates, advances = 12, 20
    budget = creates * COSTS["api.create_session"] + advances * COSTS["api.advance"]
    client = make_app(RATE_LIMIT="1000 per minute",
                      ADDRESS_RATE_LIMIT=f"{budget} per minute").test_client()
    sids = [client.post("/api/sessions", json=SMALL).json["session"] for _ in range(creates)]
    answers = [client.post(f"/api/sessions/{sid}/advance", json={"steps": 1})
               for _ in range(5) for sid in sids]
    assert [r.status_code for r in answers] == [200] * advances + [429] * (60 - advances)
    assert "ADDRESS_RATE_LIMIT" in answers[-1].json["message"]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert client.get("/api/datasets").status_code == 200          # free: not expensive work
    assert client.get(f"/api/sessions/{sids[0]}").status_code == 429   # a frame is work


def test_the_address_budget_is_per_address(make_app):
    from server.security import COSTS
    client = make_app(ADDRESS_RATE_LIMIT=f"{COSTS['api.create_session']} per minute",
                      TRUST_PROXY_HOPS=1).test_client()
    assert client.post("/api/sessions", json=SMALL, headers=FROM_A).status_code == 201
    assert client.post("/api/sessions", json=SMALL, headers=FROM_A).status_code == 429
    assert client.post("/api/sessions", json=SMALL, headers=FROM_B).status_code == 201


def test_malformed_creates_leave_classmates_their_creates(make_app):
    """A flood of malformed creates from one client behind the class's address:
    refused with 400 before they count, so classmates' creates are answered."""
    client = make_app(RATE_LIMIT="40 per minute", ADDRESS_RATE_LIMIT="1000 per minute").test_client()
    classmates = []
    for i in range(300):
        flood = client.post("/api/sessions", data=b'{"data": {"n": "lots"',
                            content_type="application/json")
        assert flood.status_code == 400
        if i % 10 == 0:
            classmates.append(client.post("/api/sessions", json=SMALL).status_code)
    assert classmates.count(201) >= 0.95 * len(classmates) and len(classmates) == 30


def test_malformed_requests_on_a_session_count_against_that_session(make_app):
    client = make_app(RATE_LIMIT="5 per minute").test_client()
    mine, theirs = (client.post("/api/sessions", json=SMALL).json["session"] for _ in range(2))
    bad = [client.post(f"/api/sessions/{mine}/advance", json={"steps": "many"}).status_code
           for _ in range(6)]
    assert bad == [400] * 5 + [429]
    assert client.post(f"/api/sessions/{theirs}/advance", json={"steps": 1}).status_code == 200


def test_limits_span_the_routes_of_a_session(make_app):
    client = make_app(RATE_LIMIT="4 per minute").test_client()
    sid = client.post("/api/sessions", json=SMALL).json["session"]
    codes = [client.post(f"/api/sessions/{sid}/advance", json={"steps": 1}).status_code,
             client.post(f"/api/sessions/{sid}/frame", json={}).status_code,
             client.get(f"/api/sessions/{sid}").status_code,
             client.post(f"/api/sessions/{sid}/reset", json={}).status_code,
             client.post(f"/api/sessions/{sid}/frame", json={}).status_code]
    assert codes == [200] * 4 + [429]


def test_a_class_behind_one_nat_gets_more_and_each_session_its_share(make_app):
    """CLIENTS_PER_ADDRESS multiplies what one address may do; RATE_LIMIT
    still holds each session to one student's share."""
    alone = make_app(RATE_LIMIT="5 per minute").test_client()
    assert [alone.post("/api/sessions", json=SMALL).status_code for _ in range(6)] == [201] * 5 + [429]
    lecture = make_app(RATE_LIMIT="5 per minute", CLIENTS_PER_ADDRESS=3).test_client()
    created = [lecture.post("/api/sessions", json=SMALL) for _ in range(16)]
    assert [r.status_code for r in created] == [201] * 15 + [429]
    sid = created[0].json["session"]
    steps = [lecture.post(f"/api/sessions/{sid}/advance", json={"steps": 1}).status_code
             for _ in range(6)]
    assert steps == [200] * 5 + [429]


def test_bad_address_rate_limit_setting_fails_at_start(make_app):
    from server.config import ConfigError
    with pytest.raises(ConfigError, match="ADDRESS_RATE_LIMIT"):
        make_app(ADDRESS_RATE_LIMIT="plenty")
