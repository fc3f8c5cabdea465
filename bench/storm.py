"""A reconnect storm: every call socket drops at once (a deploy, a proxy restart) and comes
back within a window, while payment webhooks keep arriving.

    python -m bench.storm [--sockets 10000] [--window 10] [--rate 200] [--observers 200]

One `paygate serve` (PostgreSQL) and, for comparison, the floor. `--sockets` clinician
sockets open (each call holds one payment request, so every snapshot carries a row); then
all of them close and reconnect, spread evenly over `--window` seconds. Meanwhile signed
`payment_intent.succeeded` webhooks go out at `--rate` per second for the calls of
`--observers` other sockets, which stay open through the storm: their notice latency is
what a clinician in a call sees while everybody else reconnects. Reported: how many of the
storm's sockets got their snapshot (and how many were refused or failed), the snapshot's
wait from the start of the connect, the notices' latency, and the CPU used."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from bench import procs, run, scenarios
from bench.load import Receiver, SocketPool, send_webhooks
from bench.stats import Latencies
from bench.world import World, build, teardown


@dataclass
class StormRow:
    path: str
    sockets: int
    reconnected: int
    failed: int
    snapshot: Latencies
    window_s: float
    notices: int
    sent: int
    notice: Latencies
    server_cpu: float
    alive: bool


async def _reconnect_all(targets: list[tuple[str, str]], window: float,
                         ) -> tuple[list[float], int, list[ClientConnection]]:
    """Connect every target at its slot of the window; each waits for its snapshot."""
    waits: list[float] = []
    failed = 0
    opened: list[ClientConnection] = []
    start = time.perf_counter()

    async def one(k: int, url: str, token: str) -> None:
        nonlocal failed
        await asyncio.sleep(max(0.0, start + k * window / len(targets) - time.perf_counter()))
        began = time.perf_counter()
        protocols: Any = ["paygate.v1", f"bearer.{token}"] if token else ["paygate.v1"]
        try:
            ws = await connect(url, subprotocols=protocols, ping_interval=None,
                               open_timeout=60, max_size=2**20)
            await asyncio.wait_for(ws.recv(), timeout=60)
        except Exception:  # refused (a close code), timed out, reset: not reconnected
            failed += 1
            return
        waits.append(time.perf_counter() - began)
        opened.append(ws)

    await asyncio.gather(*(one(k, url, token) for k, (url, token) in enumerate(targets)))
    return waits, failed, opened


async def storm(world: World, path: str, server: procs.Proc, sockets: int, observers: int,
                window: float, rate: float) -> StormRow:
    storm_targets = scenarios.socket_targets(world, [server], sockets,
                                             auth=path == "paygate", prefix="storm")
    receiver = Receiver()
    watching = SocketPool(on_message=receiver)
    await watching.open(scenarios.socket_targets(world, [server], observers,
                                                 auth=path == "paygate", prefix="watch"))
    crowd = SocketPool()
    started = time.perf_counter()
    await crowd.open(storm_targets)
    scenarios.progress(f"{path}: {sockets} sockets open in {time.perf_counter() - started:.1f}s"
                       f", {observers} watching")
    hooks = await world.seed_payments(
        [f"watch-{k % observers}" for k in range(int(rate * (window + 2)))])
    await asyncio.sleep(1.0)
    await crowd.close()  # all at once, as a proxy restart drops them
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    sending = asyncio.create_task(send_webhooks(
        receiver, [server.url], hooks, world.webhook_secret, rate, connections=16,
        drain=10.0, cpu_of_servers=server.cpu_seconds, server_pids=server.pids()))
    waits, failed, opened = await _reconnect_all(storm_targets, window)
    result = await sending
    spent = time.perf_counter() - began
    cpu = (server.cpu_seconds() - cpu) / spent
    await asyncio.gather(*(ws.close() for ws in opened), return_exceptions=True)
    await watching.close()
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            alive = (await client.get(server.url + "/healthz")).status_code < 500
    except httpx.HTTPError:
        alive = False
    return StormRow(path, sockets, len(waits), failed, Latencies(waits), window,
                    result.received, result.sent, result.latencies, cpu, alive)


async def main_async(args: argparse.Namespace, tmp: Path) -> list[StormRow]:
    world = await build(tmp, run.POSTGRES_URL)
    rows = []
    try:
        await world.seed_payments([f"storm-{k}" for k in range(args.sockets)])
        for path in ("paygate", "floor"):
            server = (scenarios.start_paygate(world, "paygate") if path == "paygate"
                      else scenarios.start_floor(world))
            try:
                rows.append(await storm(world, path, server, args.sockets, args.observers,
                                        args.window, args.rate))
            finally:
                server.stop()
    finally:
        await teardown(world)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--observers", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paygate-storm-") as tmp:
        rows = asyncio.run(main_async(args, Path(tmp)))
    print(f"Reconnect storm: {args.sockets} sockets drop and reconnect over {args.window:g} s "
          f"while {args.rate:g} webhooks/s go to {args.observers} other open calls:\n")
    print("| path | reconnected | failed or refused | snapshot wait p50 / p99 ms | notices | "
          "notice p50 / p99 ms | server CPU (cores) | server up after |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r.path} | {r.reconnected}/{r.sockets} | {r.failed} | "
              f"{r.snapshot.ms(50):.1f} / {r.snapshot.ms(99):.1f} | {r.notices}/{r.sent} | "
              f"{r.notice.ms(50):.1f} / {r.notice.ms(99):.1f} | {r.server_cpu:.2f} | "
              f"{'yes' if r.alive else 'NO'} |")


if __name__ == "__main__":
    main()
