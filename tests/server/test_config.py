"""Config: read once from a mapping, validated, documented; gunicorn's settings."""
from __future__ import annotations

import logging
import runpy
from pathlib import Path

import pytest

from server import create_app
from server.config import Config, ConfigError, Limits, markdown_table

ROOT = Path(__file__).resolve().parents[2]


def test_defaults():
    config = Config.from_mapping({})
    assert (config.port, config.host, config.store_kind) == (5000, "0.0.0.0", "memory")
    assert config.advance_budget_ms == 250
    assert config.limits == Limits(8, 256, 100_000, 10_000, 8, 200, 10_000, 100)


def test_values_are_parsed_from_strings():
    config = Config.from_mapping({"PORT": "8080", "MAX_POINTS": "2_000", "REDIS_URL": " redis://x:1/0 ",
                                  "UNRELATED": "ignored"})
    assert config.port == 8080 and config.max_points == 2000 and config.limits.max_points == 2000
    assert config.redis_url == "redis://x:1/0" and config.store_kind == "redis"


@pytest.mark.parametrize("env, message", [
    ({"PORT": "eighty"}, "PORT must be a whole number"),
    ({"MAX_UNITS": "0"}, "MAX_UNITS must be at least 1"),
    ({"ADVANCE_BUDGET_MS": "-5"}, "ADVANCE_BUDGET_MS must be at least 1"),
    ({"TRUST_PROXY_HOPS": "-1"}, "cannot be negative"),
    ({"SESSIONS_PER_ADDRESS": "0"}, "SESSIONS_PER_ADDRESS must be at least 1"),
    ({"CLIENTS_PER_ADDRESS": "0"}, "CLIENTS_PER_ADDRESS must be at least 1"),
    ({"REDIS_STORE_MB": "0"}, "REDIS_STORE_MB must be at least 1"),
    ({"SESSION_MAX_KB": "-1"}, "SESSION_MAX_KB must be at least 1"),
    ({"MAX_CLASSES": "9"}, "MAX_CLASSES must be 2..8"),
    ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of"),
    ({"THREADS": 2.5}, "THREADS must be a int"),
])
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_mapping(env)


def test_create_app_reads_the_environment_when_given_nothing(monkeypatch):
    monkeypatch.setenv("MAX_GRID", "50")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    app = create_app()
    assert app.extensions["crease"].config.max_grid == 50
    assert app.config["SECRET_KEY"] == "from-env"


def test_a_missing_secret_key_is_random_and_warned_about(caplog):
    with caplog.at_level(logging.WARNING, logger="server"):
        one, two = create_app({}), create_app({})
    assert one.config["SECRET_KEY"] != two.config["SECRET_KEY"]
    assert len(one.config["SECRET_KEY"]) >= 32
    assert sum("SECRET_KEY is not set" in r.message for r in caplog.records) == 2


def test_a_given_secret_key_is_used_quietly(caplog):
    with caplog.at_level(logging.WARNING, logger="server"):
        app = create_app({"SECRET_KEY": "s3cret"})
    assert app.config["SECRET_KEY"] == "s3cret"
    assert not [r for r in caplog.records if "SECRET_KEY" in r.message]


def test_production_defaults():
    app = create_app({"SECRET_KEY": "x"})
    assert app.debug is False and app.testing is False
    assert app.config["MAX_CONTENT_LENGTH"] == 4 * 1024 * 1024


def test_readme_configuration_table_is_up_to_date():
    assert markdown_table() in (ROOT / "README.md").read_text()


def gunicorn_settings(monkeypatch, **env):
    for name in ("REDIS_URL", "WEB_CONCURRENCY", "THREADS", "HOST", "PORT", "OPENBLAS_NUM_THREADS",
                 "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_forces_one_worker_with_the_memory_store(monkeypatch, capsys):
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="4", THREADS="8", PORT="6000",
                                 HOST="127.0.0.1")
    assert (settings["workers"], settings["threads"]) == (1, 8)
    assert settings["bind"] == ["127.0.0.1:6000"]
    assert settings["control_socket_disable"] is True
    assert "ignored" in capsys.readouterr().out


def test_gunicorn_runs_many_workers_with_redis(monkeypatch):
    settings = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="3", REDIS_URL="redis://h:1/0")
    assert settings["workers"] == 3 and settings["worker_class"] == "server.worker.ThreadWorker"
    assert settings["accesslog"] == "-"
    assert settings["logconfig_dict"]["handlers"]["console"]["stream"] == "ext://sys.stdout"


def test_procfile_uses_the_config_file():
    assert (ROOT / "Procfile").read_text().strip() == \
        "web: gunicorn --config gunicorn.conf.py server.wsgi:app"


def test_the_app_factory_keeps_freed_memory_for_reuse(monkeypatch):
    """engine/allocator.py: without it every frame's grid blocks page-fault afresh."""
    import server
    calls = []
    monkeypatch.setattr(server, "keep_freed_memory", lambda: calls.append(1) or True)
    server.create_app({"SECRET_KEY": "test"})
    assert calls == [1]
