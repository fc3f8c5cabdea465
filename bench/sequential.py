"""Webhook -> clinician notice latency one webhook at a time, servers taking turns.

    python -m bench.sequential [--webhooks 1500] [--against ../other-checkout]

No load and no queueing: each signed `payment_intent.succeeded` is posted only after the
previous one's notice arrived, so what is measured is the path itself. paygate (this
checkout), the floor and, with `--against`, `paygate serve` from another checkout take
turns webhook by webhook, so a VM that slows down for a minute slows all of them alike:
their medians can be compared within one run even where the machine's speed drifts (it
does on shared VMs, by up to ±30 % from one minute to the next). The first tenth is a
warm-up, not counted."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import procs, run, scenarios
from bench.load import HttpConn, Receiver, SocketPool
from bench.stats import Latencies
from bench.world import World, build, teardown

CALLS = 50  # one clinician socket per call; each webhook's request is in one of them


@dataclass
class Contender:
    name: str
    server: procs.Proc
    receiver: Receiver = field(default_factory=Receiver)
    latencies: list[float] = field(default_factory=list)


def start(world: World, name: str, checkout: Path | None) -> procs.Proc:
    if name == "floor":
        return scenarios.start_floor(world)
    port = procs.free_port()
    argv = procs.python("-m", "paygate.cli", "serve", "--port", str(port))
    return procs.start(name, argv, port=port, env=world.paygate_env(port),
                       logdir=world.tmp, cwd=checkout)


async def measure(world: World, contenders: list[Contender], webhooks: int) -> None:
    pools: list[SocketPool] = []
    hooks: dict[str, list[tuple[str, bytes]]] = {}
    conns: dict[str, HttpConn] = {}
    stamp = int(time.time())
    for c in contenders:
        calls = [f"{c.name}-{k % CALLS}" for k in range(webhooks)]
        hooks[c.name] = [(h.request_id, h.signed(c.server.url, world.webhook_secret, stamp))
                         for h in await world.seed_payments(calls)]
        pool = SocketPool(on_message=c.receiver)
        await pool.open(scenarios.socket_targets(world, [c.server], CALLS,
                                                 auth=c.name != "floor", prefix=c.name))
        pools.append(pool)
        conns[c.name] = HttpConn(c.server.url)
    try:
        for k in range(webhooks):
            for c in contenders:
                await _one(c, conns[c.name], *hooks[c.name][k])
    finally:
        for pool in pools:
            await pool.close()
        for conn in conns.values():
            conn.close()


async def _one(c: Contender, conn: HttpConn, request_id: str, raw: bytes) -> None:
    r = c.receiver
    r.expected, r.done = len(r.latencies) + 1, asyncio.Event()
    r.pending[request_id] = time.perf_counter()
    status, _ = await conn.request(raw)
    if status != 200:
        raise RuntimeError(f"{c.name}: a webhook was answered {status}")
    await asyncio.wait_for(r.done.wait(), 10)
    c.latencies.append(r.latencies[-1])


def report(contenders: list[Contender], webhooks: int) -> list[str]:
    floor = next((c for c in contenders if c.name == "floor"), None)
    lines = [f"One webhook at a time, {webhooks} each, taking turns (first tenth not "
             "counted):", "",
             "| server | p50 ms | p90 ms | p99 ms | p50 against the floor |",
             "|---|---|---|---|---|"]
    base = Latencies(floor.latencies[webhooks // 10:]).ms(50) if floor else None
    for c in contenders:
        lat = Latencies(c.latencies[webhooks // 10:])
        ratio = f"{lat.ms(50) / base:.1f}x" if base else "-"
        lines.append(f"| {c.name} | {lat.ms(50):.2f} | {lat.ms(90):.2f} | {lat.ms(99):.2f} "
                     f"| {ratio} |")
    return lines


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="paygate-bench-"))
    world = await build(tmp, run.POSTGRES_URL)
    contenders: list[Contender] = []
    try:
        names = ["paygate", "against", "floor"] if args.against else ["paygate", "floor"]
        for name in names:
            checkout = args.against if name == "against" else None
            contenders.append(Contender(name, await asyncio.to_thread(
                start, world, name, checkout)))
        await measure(world, contenders, args.webhooks)
        print("\n".join(report(contenders, args.webhooks)))
    finally:
        for c in contenders:
            c.server.stop()
        await teardown(world)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=1500)
    parser.add_argument("--against", type=lambda p: Path(p).resolve(),
                        help="another paygate checkout to take turns with")
    asyncio.run(main(parser.parse_args()))
