"""The paygate command, run as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.servers import free_port


def run(args: list[str], env: dict[str, str],
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "paygate.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


def base_env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
    return {**keep, "PAYGATE_DATA_DIR": str(tmp_path / "data"), "PAYGATE_LOG_FORMAT": "text"}


def wait_until_serving(client: httpx.Client) -> None:
    for _ in range(200):
        try:
            client.get("/healthz")
            return
        except httpx.TransportError:
            time.sleep(0.05)


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], base_env(tmp_path))
    assert result.returncode == 0
    for command in ("serve", "db", "token", "sandbox"):
        assert command in result.stdout


def test_bad_setting_stops_with_a_message_naming_it(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "PAYGATE_DATABASE_URL": "mysql://nope"}
    result = run(["db", "upgrade"], env)
    assert result.returncode == 2
    assert "PAYGATE_DATABASE_URL" in result.stderr


def test_token_refuses_a_clinician_without_a_call(tmp_path: Path) -> None:
    result = run(["token", "--role", "clinician", "--org", "o", "--clinic", "c",
                  "--user", "u", "--name", "n"], base_env(tmp_path))
    assert result.returncode == 1
    assert "call is required" in result.stderr


def test_serve_on_embedded_defaults_accepts_a_minted_token(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    minted = run(["token", "--role", "patient", "--org", "o1", "--clinic", "c1", "--call",
                  "k1", "--user", "p1", "--name", "Pat", "--ttl", "120"], env)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "paygate.cli", "serve", "--port",
                               str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        for line in server.stdout:
            if "serving on" in line:
                break
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            response = client.post("/api/v1/sessions", json={"launch_token": token})
            assert response.status_code == 201, response.text
            assert response.json()["role"] == "patient"
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout is not None:
            server.stdout.close()


def test_db_upgrade_creates_the_sqlite_ledger(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    result = run(["db", "upgrade"], env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "paygate.db").exists()


def test_request_log_never_carries_the_launch_token(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    token = run(["token", "--role", "patient", "--org", "o1", "--clinic", "c1", "--call",
                 "k1", "--user", "p1", "--name", "Pat"], env).stdout.strip()
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "paygate.cli", "serve", "--port",
                               str(port)], env={**env, "PAYGATE_LOG_FORMAT": "json"},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            wait_until_serving(client)
            client.get(f"/widget/frame?launch={token}")
            client.post("/api/v1/sessions", json={"launch_token": token})
            client.get("/api/v1/session", headers={"Authorization": "Bearer " + token})
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert '"path": "/api/v1/sessions"' in output
    assert token not in output and token[1:20] not in output


def _serve_and_open_a_call_socket(tmp_path: Path, extra_env: dict[str, str]) -> str:
    """`paygate serve`'s output after a patient's call socket opened and closed."""
    from websockets.sync.client import connect

    env = base_env(tmp_path)
    token = run(["token", "--role", "patient", "--org", "o1", "--clinic", "c1", "--call",
                 "k1", "--user", "p1", "--name", "Pat"], env).stdout.strip()
    port = free_port()
    log = tmp_path / "serve.log"  # a file, not a pipe: INFO library lines are many
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "paygate.cli", "serve", "--port",
                                   str(port)], env={**env, **extra_env},
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            wait_until_serving(client)
            access = client.post("/api/v1/sessions",
                                 json={"launch_token": token}).json()["access_token"]
        with connect(f"ws://127.0.0.1:{port}/api/v1/calls/k1/socket",
                     subprotocols=["paygate.v1", f"bearer.{access}"],  # type: ignore[list-item]
                     origin=f"http://127.0.0.1:{port}") as ws:  # type: ignore[arg-type]
            assert '"snapshot"' in str(ws.recv(timeout=10))
    finally:
        server.terminate()
        server.wait(timeout=10)
    return log.read_text()


def test_the_log_has_no_line_per_call_socket_unless_library_lines_are_asked_for(
        tmp_path: Path) -> None:
    quiet = _serve_and_open_a_call_socket(tmp_path / "quiet", {})
    assert "Application startup complete" in quiet  # uvicorn's start-up lines stay
    assert "[accepted]" not in quiet
    verbose = _serve_and_open_a_call_socket(tmp_path / "verbose",
                                            {"PAYGATE_LIBRARY_LOG_LEVEL": "INFO"})
    assert '"WebSocket /api/v1/calls/k1/socket" [accepted]' in verbose
