"""Where the wall time of a process tree goes: CPU per process, sampled from /proc (Linux).

`Trace.sample()` is called every few tenths of a second while `harvest import` runs; `report()`
prints, per window, how many cores the parent and each worker used, then the phases: start-up
(the parent alone, before any worker has used CPU), workers running, the tail after the first
worker's last CPU, and the parent alone after every worker is done.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds so far) of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


class Trace:
    """CPU seconds of a process and its children, sampled over time."""

    def __init__(self, root: int):
        self.root, self.start = root, time.perf_counter()
        self.samples: list[tuple[float, dict[int, float]]] = []
        self.children: list[int] = []  # in order of first sight

    def sample(self) -> None:
        """Record the CPU seconds of the root and its children now."""
        now = time.perf_counter() - self.start
        seen = {}
        root = _cpu(self.root)
        if root is None:
            return
        seen[self.root] = root[1]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                found = _cpu(int(entry.name))
                if found and found[0] == self.root:
                    seen[int(entry.name)] = found[1]
                    if int(entry.name) not in self.children:
                        self.children.append(int(entry.name))
        self.samples.append((now, seen))

    def _used(self, pid: int, a: int, b: int) -> float:
        """CPU seconds `pid` used between samples a and b (0 while it was not there)."""
        before = self.samples[a][1].get(pid)
        after = self.samples[b][1].get(pid)
        if after is None:  # gone: its last sighting is its total
            after = max((s[1][pid] for s in self.samples[a : b + 1] if pid in s[1]), default=None)
        if after is None:
            return 0.0
        return after - (before if before is not None else 0.0)

    def _active(self, pid: int) -> tuple[float, float] | None:
        """First and last time `pid` was seen using CPU."""
        times, before = [], 0.0
        for t, seen in self.samples:
            if seen.get(pid, before) > before:
                times.append(t)
            before = seen.get(pid, before)
        return (times[0], times[-1]) if times else None

    def report(self, window: float = 1.0) -> list[str]:
        """Per-window cores used by the parent and each worker, then the phases."""
        if len(self.samples) < 2:
            return ["trace: too short to sample"]
        workers = self.children
        lines = ["trace (cores used per window: parent, workers)"]
        a = 0
        for b in range(1, len(self.samples)):
            span = self.samples[b][0] - self.samples[a][0]
            if span < window and b < len(self.samples) - 1:
                continue
            used = [self._used(pid, a, b) / span for pid in (self.root, *workers)]
            lines.append(
                f"  {self.samples[a][0]:6.1f}-{self.samples[b][0]:6.1f}s  parent {used[0]:4.2f}"
                f"  workers {' '.join(f'{u:4.2f}' for u in used[1:])}  total {sum(used):4.2f}"
            )
            a = b
        spans = [s for s in (self._active(pid) for pid in workers) if s]
        end = self.samples[-1][0]
        if spans:
            first = min(s[0] for s in spans)
            first_done = min(s[1] for s in spans)
            last_done = max(s[1] for s in spans)
            lines.append(
                f"phases: start-up (parent alone) {first:.1f}s, workers running "
                f"{first_done - first:.1f}s, tail after the first worker ended "
                f"{last_done - first_done:.1f}s, parent alone after the workers "
                f"{end - last_done:.1f}s (total {end:.1f}s)"
            )
        return lines
