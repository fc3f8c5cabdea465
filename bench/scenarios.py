"""What the benchmark measures, one function per table."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import procs
from bench.load import (
    HttpConn,
    RateResult,
    Receiver,
    SocketPool,
    Webhook,
    http_request,
    send_webhooks,
)
from bench.stats import Latencies
from bench.world import World


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


@dataclass
class LatencyRow:
    path: str          # "paygate" or "floor"
    instances: int
    sockets: int
    result: RateResult


def start_paygate(world: World, name: str, *, broadcast: str = "memory://",
                  ws: Sequence[str] = (), profile: Path | None = None) -> procs.Proc:
    """`profile`: run it under py-spy, writing collapsed stacks there when it stops."""
    port = procs.free_port()
    argv = procs.python("-m", "paygate.cli", "serve", "--port", str(port), *ws)
    if profile is not None:
        spy = Path(sys.executable).with_name("py-spy")
        argv = [str(spy) if spy.exists() else "py-spy", "record", "--format", "raw",
                "--rate", "250", "--subprocesses", "--output", str(profile), "--", *argv]
    return procs.start(name, argv, port=port, env=world.paygate_env(port, broadcast),
                       logdir=world.tmp)


def start_floor(world: World) -> procs.Proc:
    port = procs.free_port()
    argv = procs.python("-m", "uvicorn", "--factory", "bench.floor:create_app", "--port",
                        str(port), "--no-access-log", "--log-level", "warning",
                        "--ws", "websockets-sansio", "--ws-per-message-deflate", "false")
    return procs.start("floor", argv, port=port,
                       env={"BENCH_WEBHOOK_SECRET": world.webhook_secret}, logdir=world.tmp)


def socket_targets(world: World, servers: Sequence[procs.Proc], calls: int,
                   auth: bool = True, prefix: str = "call") -> list[tuple[str, str]]:
    out = []
    for k in range(calls):
        call = f"{prefix}-{k}"
        base = servers[k % len(servers)].url.replace("http://", "ws://")
        out.append((f"{base}/api/v1/calls/{call}/socket",
                    world.access_token(call) if auth else ""))
    return out


async def latency(world: World, path: str, servers: Sequence[procs.Proc], sockets: int,
                  batches: Sequence[tuple[float, list[Webhook]]], *, connections: int,
                  drain: float, warmup: bool = False) -> list[LatencyRow]:
    """Open `sockets` clinician sockets (one per call), then send each batch at its rate;
    with `warmup`, the first batch is sent but not reported."""
    receiver = Receiver()
    pool = SocketPool(on_message=receiver)
    started = time.perf_counter()
    await pool.open(socket_targets(world, servers, sockets, auth=path == "paygate"))
    progress(f"{path} x{len(servers)}: {sockets} sockets open in "
             f"{time.perf_counter() - started:.1f}s")
    rows: list[LatencyRow] = []
    try:
        for n, (rate, hooks) in enumerate(batches):
            await asyncio.sleep(1.0)
            # The generator's own heap (sockets, pre-signed webhooks) out of its collections
            # while it measures: a full one paused it for up to 160 ms.
            gc.collect()
            gc.freeze()
            result = await send_webhooks(
                receiver, [s.url for s in servers], hooks, world.webhook_secret, rate,
                connections=connections, drain=drain,
                cpu_of_servers=lambda: sum(s.cpu_seconds() for s in servers),
                server_pids=frozenset().union(*(s.pids() for s in servers)))
            progress(f"{path} x{len(servers)} {sockets} sockets {rate:.0f}/s: "
                     f"{result.received}/{result.sent} notices, "
                     f"p50 {result.latencies.ms(50):.1f} ms, p99 {result.latencies.ms(99):.1f} ms"
                     f", achieved {result.achieved:.0f}/s")
            if warmup and n == 0:
                progress(f"{path}: that was the warm-up, not reported")
                continue
            rows.append(LatencyRow(path, len(servers), sockets, result))
    finally:
        gc.unfreeze()
        await pool.close()
    return rows


@dataclass
class MemoryRow:
    ws: str
    deflate: str
    sockets: int
    before_kb: int
    after_kb: int

    @property
    def per_socket_kb(self) -> float:
        return (self.after_kb - self.before_kb) / self.sockets


async def memory(world: World, ws: str, deflate: str, sockets: int,
                 warm: int = 50) -> MemoryRow:
    """RSS growth of one paygate worker per idle, authenticated call socket (after a warm-up
    batch, so the code paths and pools are already paid for)."""
    server = start_paygate(world, f"paygate-{ws}-{deflate}",
                           ws=["--ws", ws, "--ws-per-message-deflate", deflate])
    warm_pool, pool = SocketPool(), SocketPool()
    try:
        # Calls of their own, so every socket's snapshot is the same (empty) size.
        targets = socket_targets(world, [server], warm + sockets, prefix=f"idle-{ws}-{deflate}")
        await warm_pool.open(targets[:warm])
        await asyncio.sleep(1.0)
        before = server.rss_kb()
        await pool.open(targets[warm:])
        await asyncio.sleep(2.0)
        after = server.rss_kb()
    finally:
        await pool.close()
        await warm_pool.close()
        server.stop()
    row = MemoryRow(ws, deflate, sockets, before, after)
    progress(f"memory --ws {ws} deflate {deflate}: {row.per_socket_kb:.1f} KiB per socket")
    return row


@dataclass
class CreateRow:
    concurrency: int
    seconds: float
    created: int
    errors: int
    latencies: Latencies

    @property
    def rate(self) -> float:
        return self.created / self.seconds


async def creation(world: World, concurrency: int, seconds: float) -> CreateRow:
    """Clinicians requesting payments as fast as paygate answers (closed loop): each request
    creates a PaymentIntent on the sandbox and a row in the ledger."""
    server = start_paygate(world, "paygate-create")
    samples: list[float] = []
    errors = 0
    body = json.dumps({"amount": 2500, "currency": "usd",
                       "description": "Follow-up consultation"}).encode()

    async def clinician(n: int, deadline: float) -> None:
        nonlocal errors
        call = f"create-{n}"
        raw = http_request("POST", server.url, f"/api/v1/calls/{call}/payment-requests", body,
                           {"Authorization": f"Bearer {world.access_token(call)}",
                            "Content-Type": "application/json"})
        conn = HttpConn(server.url)
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                status, _ = await conn.request(raw)
                if status == 201:
                    samples.append(time.perf_counter() - began)
                else:
                    errors += 1
        finally:
            conn.close()

    try:
        await clinician(-1, time.perf_counter() + 0.5)  # warm-up
        samples.clear()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(clinician(n, deadline) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    row = CreateRow(concurrency, elapsed, len(samples), errors, Latencies(samples))
    progress(f"creation: {row.rate:.0f}/s with {concurrency} clinicians")
    return row
