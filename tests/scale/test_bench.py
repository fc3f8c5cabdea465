"""The benchmark harness still runs end to end (a small `python -m bench --quick`), so the
command in the README does not rot. The figures themselves go in docs/benchmarks.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_the_quick_benchmark_prints_every_table_with_real_measurements(
        tmp_path: Path, postgres_url: str, redis_url: str) -> None:
    out = tmp_path / "report.md"
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(out)],
        capture_output=True, text=True, timeout=170, check=False,
        env={**os.environ, "PAYGATE_BENCH_REDIS_URL": redis_url,
             "PAYGATE_BENCH_POSTGRES_URL": POSTGRES_URL})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    report = out.read_text()
    for heading in ("## 1. Signed webhook -> clinician WebSocket",
                    "## 2. Memory per idle call socket",
                    "## 3. Payment-request creation against the sandbox",
                    "## 4. Two instances + Redis"):
        assert heading in report
    latency = report.split("## 1. ", 1)[1].split("## 2. ", 1)[0]
    rows = [line.split("|") for line in latency.splitlines() if line.startswith("| paygate |")
            or line.startswith("| floor |")]
    assert {r[1].strip() for r in rows} == {"paygate", "floor"}
    for row in rows:  # every webhook sent produced its notice on the clinician's socket
        sent, notices = int(row[5]), int(row[6])
        assert sent > 0 and notices == sent, row
    assert "KiB per socket" in report and "speed-up" in report


def test_the_sequential_benchmark_times_every_webhook_of_each_server(
        tmp_path: Path, postgres_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.sequential", "--webhooks", "40"],
        capture_output=True, text=True, timeout=170, check=False,
        env={**os.environ, "PAYGATE_BENCH_POSTGRES_URL": POSTGRES_URL})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    rows = {line.split("|")[1].strip(): line.split("|")
            for line in result.stdout.splitlines() if line.startswith("| ")}
    assert {"paygate", "floor"} <= set(rows)
    assert float(rows["paygate"][2]) > 0 and float(rows["floor"][2]) > 0
    assert rows["floor"][5].strip() == "1.0x"


def test_the_storm_benchmark_reconnects_every_socket_and_counts_every_notice(
        tmp_path: Path, postgres_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.storm", "--sockets", "60", "--window", "1",
         "--rate", "20", "--observers", "5"],
        capture_output=True, text=True, timeout=170, check=False,
        env={**os.environ, "PAYGATE_BENCH_POSTGRES_URL": POSTGRES_URL})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")]
            for line in result.stdout.splitlines()
            if line.startswith(("| paygate |", "| floor |"))}
    assert {"paygate", "floor"} <= set(rows)
    for row in rows.values():
        assert row[2] == "60/60" and row[3] == "0", row  # every socket back, none refused
        sent = row[5].split("/")
        assert sent[0] == sent[1] and int(sent[1]) > 0, row  # every notice arrived
        assert row[8] == "yes", row
