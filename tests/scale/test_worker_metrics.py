"""`paygate serve --workers 2`: whichever worker answers GET /metrics, it counts every
worker's open call sockets and requests (the multiprocess mode paygate serve sets up)."""

from __future__ import annotations

import secrets
import sys
from contextlib import ExitStack
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from bench import procs
from paygate.services.auth.tokens import TokenSigner
from tests.conftest import SECRET_KEY, UNLIMITED_ENV, mint
from tests.payments.conftest import wait_until
from tests.scale.conftest import _upgrade

TOKEN = "metrics-" + "w" * 32


def sockets_open(url: str) -> float:
    with httpx.Client() as fresh:  # a new connection: the kernel picks the worker
        text = fresh.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"},
                         ).raise_for_status().text
    return next(s.value for family in text_string_to_metric_families(text)
                for s in family.samples if s.name == "paygate_call_sockets")


def test_any_worker_reports_every_workers_sockets(tmp_path: Path, postgres_url: str,
                                                  redis_url: str) -> None:
    env = {"PAYGATE_SECRET_KEY": SECRET_KEY, "PAYGATE_DATABASE_URL": postgres_url,
           "PAYGATE_BROADCAST_URL": redis_url, "PAYGATE_METRICS_TOKEN": TOKEN,
           "PAYGATE_LOG_FORMAT": "text", "PAYGATE_DATA_DIR": str(tmp_path),
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"), **UNLIMITED_ENV}
    (tmp_path / "metrics").mkdir()
    _upgrade(env)
    port = procs.free_port()
    server = procs.start("paygate-workers", [sys.executable, "-m", "paygate.cli", "serve",
                                             "--port", str(port), "--workers", "2"],
                         port=port, logdir=tmp_path, env=env)
    org = f"org_{secrets.token_hex(4)}"
    signer = TokenSigner(SECRET_KEY)
    try:
        with ExitStack() as sockets:
            for n in range(6):
                answer = httpx.post(f"{server.url}/api/v1/sessions", json={
                    "launch_token": mint(signer, "clinician", org=org, user=f"dr-{n}")})
                token = answer.raise_for_status().json()["access_token"]
                ws = sockets.enter_context(connect(
                    server.url.replace("http://", "ws://") + "/api/v1/calls/call_1/socket",
                    subprotocols=["paygate.v1", f"bearer.{token}"],  # type: ignore[list-item]
                    open_timeout=10))
                ws.recv(timeout=10)  # its snapshot: open and counted
            assert {sockets_open(server.url) for _ in range(10)} == {6.0}
        wait_until(lambda: sockets_open(server.url) == 0)
        workers = {p.name for p in (tmp_path / "metrics").iterdir()}
        assert len({name.rsplit("_", 1)[-1] for name in workers}) >= 2  # both wrote
    finally:
        server.stop()
