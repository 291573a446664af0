"""BoundedStream: a body without a length is read up to the limit, and one
byte more is a 413 (against real gunicorn: test_gunicorn.py)."""
from __future__ import annotations

import io

import pytest
from werkzeug.exceptions import RequestEntityTooLarge

from server.bodies import BoundedStream


@pytest.mark.parametrize("size", [0, 9, 10])
def test_a_body_up_to_the_limit_is_read_whole(size):
    assert BoundedStream(io.BytesIO(b"x" * size), 10).read() == b"x" * size


@pytest.mark.parametrize("size", [11, 10_000])
def test_one_byte_past_the_limit_is_413(size):
    with pytest.raises(RequestEntityTooLarge):
        BoundedStream(io.BytesIO(b"x" * size), 10).read()


def test_reading_in_pieces_past_the_limit_is_413():
    stream = BoundedStream(io.BytesIO(b"x" * 25), 10)
    assert stream.read(6) == b"x" * 6 and stream.read(6) == b"x" * 4
    with pytest.raises(RequestEntityTooLarge):
        stream.read(6)


@pytest.mark.parametrize("size, left", [(15, 0), (20, 0), (40, 19)])
def test_a_body_over_the_limit_is_read_up_to_twice_the_limit_before_the_413(size, left):
    """So the client is done sending when the answer comes (else its system resets the connection)."""
    raw = io.BytesIO(b"x" * size)
    with pytest.raises(RequestEntityTooLarge):
        BoundedStream(raw, 10).read()
    assert len(raw.read()) == left
