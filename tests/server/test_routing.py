"""The route table's session ids: the pattern takes every id the store makes
and leaves the other words under /api/sessions/ to their own routes."""
from __future__ import annotations

from server.routing import ROUTES, SESSION_ID_RE
from server.store import new_session_id


def test_every_id_the_store_makes_is_a_session_id():
    assert all(SESSION_ID_RE.fullmatch(new_session_id()) for _ in range(100))


def test_the_words_beside_the_ids_are_not_ids():
    words = {r.path.split("/")[3] for r in ROUTES if r.path.startswith("/api/sessions/")} - {"<sid:sid>"}
    assert words == {"import"}
    assert not any(SESSION_ID_RE.fullmatch(w) for w in (*words, "x" * 15, "x" * 65, "a/b" * 8))
    assert SESSION_ID_RE.fullmatch("x" * 16) and SESSION_ID_RE.fullmatch("A-_9" * 16)
