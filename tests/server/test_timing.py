"""Every answer says how long the app took (Server-Timing), errors too."""
from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("path", ["/healthz", "/api/datasets", "/api/sessions/" + "x" * 22, "/"])
def test_every_answer_carries_the_apps_time(client, path):
    response = client.get(path)
    assert re.fullmatch(r"app;dur=\d+\.\d", response.headers["Server-Timing"])
