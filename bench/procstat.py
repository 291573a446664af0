"""CPU and memory of processes and of the machine, read from /proc (Linux;
no psutil).  ``Monitor`` samples a set of process trees in a thread and says
how much CPU each group used over a window and its peak resident memory.
"""
from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` in clock ticks; None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()   # after "pid (comm) "
    return int(fields[11]) + int(fields[12])        # fields 14 and 15 of stat(5)


def rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` (VmRSS); 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    """Direct children of ``pid``."""
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)   # idle + iowait
    total = sum(values[:8])                                      # guest time is inside user
    return total - idle, total


def machine() -> str:
    """One line: CPU model, cores, memory, load average."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                  if line.startswith("MemTotal:"))
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return (f"{model}, {os.cpu_count()} cores, {mem_kb / 1024 ** 2:.1f} GiB RAM, "
            f"load average {load}")


@dataclass
class Usage:
    """What a group of processes used over the monitored window."""
    cpu_seconds: float = 0.0
    peak_rss: int = 0
    processes: int = 0


@dataclass
class _Group:
    roots: list[int]
    with_children: bool
    first: dict[int, int] = field(default_factory=dict)   # pid -> ticks when first seen
    last: dict[int, int] = field(default_factory=dict)    # pid -> ticks when last seen
    peak_rss: int = 0


class Monitor:
    """Samples groups of processes every ``interval`` seconds between
    ``start()`` and ``stop()``.  A group is a list of root pids, with their
    children (gunicorn's workers, including ones forked to replace a dead one)
    or without.  A process seen only once or gone between samples loses at
    most one interval of its CPU time."""

    def __init__(self, interval: float = 0.5):
        self.interval = interval
        self._groups: dict[str, _Group] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def watch(self, name: str, roots: list[int], with_children: bool = False) -> None:
        self._groups[name] = _Group(list(roots), with_children)

    def start(self) -> "Monitor":
        self._machine0 = machine_ticks()
        self._self0 = os.times()
        self._t0 = time.perf_counter()
        self._sample()
        self._thread = threading.Thread(target=self._run, name="procstat", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> dict[str, Usage]:
        """Usage per group, plus "loadgen" (this process) and "machine" (every
        core, every process: its cpu_seconds are busy core-seconds)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._sample()
        self.seconds = time.perf_counter() - self._t0
        out = {}
        with self._lock:
            for name, group in self._groups.items():
                used = sum(group.last[p] - group.first[p] for p in group.last)
                out[name] = Usage(used / TICKS, group.peak_rss, len(group.last))
        now = os.times()
        out["loadgen"] = Usage(now.user + now.system - self._self0.user - self._self0.system,
                               rss_bytes(os.getpid()), 1)
        busy, _ = machine_ticks()
        out["machine"] = Usage((busy - self._machine0[0]) / TICKS, 0, 0)
        return out

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        with self._lock:
            for group in self._groups.values():
                pids = list(group.roots)
                if group.with_children:
                    pids += [c for root in group.roots for c in children(root)]
                rss = 0
                for pid in pids:
                    ticks = cpu_ticks(pid)
                    if ticks is None:
                        continue
                    group.first.setdefault(pid, ticks)
                    group.last[pid] = ticks
                    rss += rss_bytes(pid)
                group.peak_rss = max(group.peak_rss, rss)
