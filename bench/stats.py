"""Percentiles, CPU accounting and the machine a run happened on."""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import subprocess
from pathlib import Path


class Latencies:
    """Seconds in, milliseconds out (nearest-rank percentiles)."""

    def __init__(self, samples: list[float]) -> None:
        self.samples = sorted(samples)

    def pct(self, p: float) -> float:
        if not self.samples:
            return math.nan
        rank = max(1, math.ceil(p / 100 * len(self.samples)))
        return self.samples[rank - 1]

    def ms(self, p: float) -> float:
        return self.pct(p) * 1000


def _cpu_times() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields), idle


def cpu_of_commands(names: frozenset[str]) -> float:
    """CPU seconds used so far by every process whose command name is in `names`."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.split("(", 1)[-1] in names:
            fields = rest.split()
            total += int(fields[11]) + int(fields[12])
    return total / tick


DATABASES = frozenset({"postgres", "redis-server"})


def process_cpu() -> dict[int, tuple[str, float]]:
    """Every process's name and CPU seconds so far. A Python process is named by what it
    runs (`python -m bench.sandbox_server`), not just `python`."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, _, rest = (entry / "stat").read_text().rpartition(")")
            fields = rest.split()
            name = head.split("(", 1)[-1]
            if name.startswith("python"):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                name = " ".join(a.decode(errors="replace") for a in argv[1:4] if a) or name
        except OSError:
            continue
        out[int(entry.name)] = (name[:60], (int(fields[11]) + int(fields[12])) / tick)
    return out


def busiest(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]],
            wall: float, skip: frozenset[int], top: int = 3) -> list[tuple[str, float]]:
    """The processes (other than `skip`) that used the most cores between two
    process_cpu() readings, by name, those above 0.02 cores."""
    used: dict[str, float] = {}
    for pid, (name, cpu) in after.items():
        if pid in skip or name in DATABASES:
            continue
        spent = cpu - before.get(pid, (name, 0.0))[1] if pid in before else cpu
        used[name] = used.get(name, 0.0) + max(0.0, spent) / max(wall, 1e-6)
    ranked = sorted(used.items(), key=lambda item: -item[1])
    return [(name, cores) for name, cores in ranked[:top] if cores >= 0.02]


class MachineCpu:
    """The share of every core that was busy between construction and busy()."""

    def __init__(self) -> None:
        self._total, self._idle = _cpu_times()

    def busy(self) -> float:
        total, idle = _cpu_times()
        spent = total - self._total
        return 0.0 if spent <= 0 else 1 - (idle - self._idle) / spent


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / 1024 / 1024
    return 0.0


def _postgres_version(url: str) -> str:
    try:
        out = subprocess.run(["psql", url, "-Atc", "show server_version"], capture_output=True,
                             text=True, timeout=5, check=False)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def machine_lines(postgres_url: str | None) -> list[str]:
    libs = ", ".join(f"{p} {_version(p)}" for p in (
        "uvicorn", "starlette", "websockets", "wsproto", "uvloop", "httptools", "sqlalchemy",
        "asyncpg", "redis", "stripe"))
    lines = [
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores (nproc); "
        f"memory {_memory_gib():.1f} GiB; {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}; {libs}",
    ]
    if postgres_url:
        lines.append(f"- PostgreSQL {_postgres_version(postgres_url)}, Redis on the same "
                     "machine; every process talks over loopback")
    return lines
