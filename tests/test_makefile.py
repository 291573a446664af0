"""`make system-deps` (run by `make test`): installs Debian's chromium and
redis-server when they are missing and it can, else stops with one line.

Each case runs the real Makefile with PATH limited to a folder of stand-ins, so
which commands exist, whether we are root and what apt-get does are the test's.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAKE = shutil.which("make")


def stand_in(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path):
    folder = tmp_path / "bin"
    folder.mkdir()
    return folder


def system_deps(bin_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([MAKE, "-s", "-C", str(ROOT), "system-deps"], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=60)


def test_nothing_is_installed_when_both_are_there(bin_dir):
    for name in ("chromium", "redis-server"):
        stand_in(bin_dir, name, "exit 0")
    stand_in(bin_dir, "apt-get", f"echo \"$@\" >> {bin_dir}/apt.log")
    stand_in(bin_dir, "id", "echo 0")
    done = system_deps(bin_dir)
    assert done.returncode == 0, done.stderr
    assert not (bin_dir / "apt.log").exists()


def test_root_installs_what_is_missing_after_an_update(bin_dir):
    stand_in(bin_dir, "chromium", "exit 0")
    # the stand-in apt-get "installs" redis-server by creating it
    stand_in(bin_dir, "apt-get", f'echo "$@" >> {bin_dir}/apt.log\n'
             f'case "$1" in install) printf "#!/bin/sh\\n" > {bin_dir}/redis-server;; esac')
    stand_in(bin_dir, "id", "echo 0")
    done = system_deps(bin_dir)
    assert done.returncode == 0, done.stderr
    calls = (bin_dir / "apt.log").read_text().splitlines()
    assert calls[0].split()[0] == "update"
    assert calls[1].split()[0] == "install"
    assert calls[1].split()[-1] == "redis-server" and "chromium" not in calls[1]


def test_without_root_it_stops_at_once_naming_what_to_install(bin_dir):
    stand_in(bin_dir, "apt-get", f"echo \"$@\" >> {bin_dir}/apt.log")
    stand_in(bin_dir, "id", "echo 1000")
    done = system_deps(bin_dir)
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if not line.startswith("make:")]
    assert len(lines) == 1
    assert "apt-get install -y chromium redis-server" in lines[0]
    assert not (bin_dir / "apt.log").exists()


def test_make_test_runs_it_first_and_ci_only_calls_make_test():
    dry = subprocess.run([MAKE, "-n", "-C", str(ROOT), "test"], capture_output=True, text=True,
                         timeout=60)
    assert "command -v" in dry.stdout.split("pytest")[0]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci and "apt-get" not in ci
