"""Servers under test as child processes: start, wait until they answer, read RSS/CPU, stop."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    url: str
    log: Path
    _cpu_mark: float = field(default=0.0)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def rss_kb(self) -> int:
        """Resident memory of the process and its children (uvicorn workers), in KiB."""
        return sum(_rss_kb(pid) for pid in [self.pid, *_children(self.pid)])

    def pids(self) -> frozenset[int]:
        """The process and its children (uvicorn workers)."""
        return frozenset([self.pid, *_children(self.pid)])

    def cpu_seconds(self) -> float:
        return sum(_cpu(pid) for pid in [self.pid, *_children(self.pid)])

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def start(name: str, argv: list[str], *, port: int, env: dict[str, str], logdir: Path,
          ready_path: str = "/healthz", timeout: float = 30.0, cwd: Path | None = None
          ) -> Proc:
    """`cwd`: run from another checkout (`python -m` imports the package found there)."""
    log = logdir / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(argv, env={**os.environ, **env}, stdout=handle, cwd=cwd,
                             stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    handle.close()
    proc = Proc(name, popen, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + timeout
    while True:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited with {popen.returncode}; see {log}:\n"
                               + log.read_text()[-3000:])
        try:
            if httpx.get(proc.url + ready_path, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.stop()
            raise RuntimeError(f"{name} did not answer within {timeout}s; see {log}")
        time.sleep(0.1)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


async def settle(seconds: float) -> None:
    await asyncio.sleep(seconds)
