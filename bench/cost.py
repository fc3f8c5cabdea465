"""Server CPU per webhook and per socket connect, free of queueing and load noise.

    python -m bench.cost [--webhooks 1000] [--sockets 500] [--database postgres|sqlite]
                         [--profile DIR]

`paygate serve` (and the floor) run as child processes, as in `python -m bench`; signed
`payment_intent.succeeded` webhooks are posted one at a time over one keep-alive
connection, each answered before the next, and the server's own CPU time (from /proc) is
divided by the count. Then call sockets are opened one at a time, each counted when its
first message (paygate's snapshot) arrived. On PostgreSQL the webhooks' committed
transactions come from pg_stat_database. The first tenth is a warm-up, not counted."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import procs, run, scenarios
from bench.load import HttpConn, SocketPool, Webhook
from bench.stats import cpu_of_commands
from bench.world import World, build, teardown

# An idle backend reports its counts to pg_stat_database within 10 s (PostgreSQL 15).
STATS_DELAY = 11.0
POSTGRES = frozenset({"postgres"})


@dataclass
class Cost:
    path: str
    count: int
    cpu_ms: float
    wall_ms: float
    transactions: float | None
    db_cpu_ms: float | None = None  # PostgreSQL's processes, all of them, per operation


async def _commits(world: World) -> int | None:
    if not world.admin_url or not world.database_name:
        return None
    import asyncpg  # type: ignore[import-untyped]

    conn = await asyncpg.connect(world.admin_url)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        return int(await conn.fetchval(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
            world.database_name))
    finally:
        await conn.close()


async def post_all(world: World, server: procs.Proc, path: str,
                   hooks: list[Webhook]) -> Cost:
    conn = HttpConn(server.url)
    stamp = int(time.time())
    requests = [h.signed(server.url, world.webhook_secret, stamp) for h in hooks]
    warm = max(1, len(requests) // 10)
    try:
        for raw in requests[:warm]:
            status, _ = await conn.request(raw)
            assert status == 200, status
        await asyncio.sleep(STATS_DELAY)
        commits = await _commits(world)
        db = cpu_of_commands(POSTGRES)
        cpu, wall = server.cpu_seconds(), time.perf_counter()
        for raw in requests[warm:]:
            status, body = await conn.request(raw)
            assert status == 200, (status, body)
            if path.startswith("paygate"):
                assert json.loads(body)["outcome"] == "paid", body
        wall, cpu = time.perf_counter() - wall, server.cpu_seconds() - cpu
        db = cpu_of_commands(POSTGRES) - db
        await asyncio.sleep(STATS_DELAY)
        after = await _commits(world)
    finally:
        conn.close()
    count = len(requests) - warm
    transactions = None if commits is None or after is None else (after - commits) / count
    return Cost(f"{path}: webhook", count, cpu / count * 1000, wall / count * 1000,
                transactions, db / count * 1000 if world.admin_url else None)


async def open_sockets(world: World, server: procs.Proc, path: str, count: int) -> Cost:
    """Open `count` call sockets one after another (each counts once its snapshot came);
    every call holds one payment request, so each snapshot has a row to show."""
    targets = scenarios.socket_targets(world, [server], count, auth=path == "paygate",
                                       prefix="cost")
    warm = max(1, count // 10)
    pool = SocketPool()
    try:
        await pool.open(targets[:warm], concurrency=1)
        cpu, wall = server.cpu_seconds(), time.perf_counter()
        await pool.open(targets[warm:], concurrency=1)
        wall, cpu = time.perf_counter() - wall, server.cpu_seconds() - cpu
    finally:
        await pool.close()
    measured = count - warm
    return Cost(f"{path}: call socket connect", measured, cpu / measured * 1000,
                wall / measured * 1000, None)


async def main_async(args: argparse.Namespace, tmp: Path) -> list[Cost]:
    world = await build(tmp, run.POSTGRES_URL if args.database == "postgres" else None)
    costs = []
    try:
        total = args.webhooks + max(1, args.webhooks // 10)
        for path in ("paygate", "floor"):
            hooks = await world.seed_payments([f"call_{i % 500}" for i in range(total)])
            profile = args.profile / "paygate-webhooks.txt" if args.profile else None
            server = (scenarios.start_paygate(world, "paygate", profile=profile)
                      if path == "paygate" else scenarios.start_floor(world))
            try:
                costs.append(await post_all(world, server, path, hooks))
            finally:
                server.stop()
        await world.seed_payments([f"cost-{k}" for k in range(args.sockets)])
        for path in ("paygate", "floor"):
            profile = args.profile / "paygate-connects.txt" if args.profile else None
            server = (scenarios.start_paygate(world, "paygate", profile=profile)
                      if path == "paygate" else scenarios.start_floor(world))
            try:
                costs.append(await open_sockets(world, server, path, args.sockets))
            finally:
                server.stop()
    finally:
        await teardown(world)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--profile", type=Path, metavar="DIR", help=(
        "run paygate under py-spy (DIR/paygate-webhooks.txt, DIR/paygate-connects.txt; read "
        "them with python -m bench.hotspots ... --phases); its CPU then includes py-spy's"))
    args = parser.parse_args()
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="paygate-cost-") as tmp:
        costs = asyncio.run(main_async(args, Path(tmp)))
    print(f"One operation at a time ({args.database}): a signed payment_intent.succeeded "
          "webhook, or a call socket opened until its snapshot arrived:\n")
    print("| operation | count | server CPU ms each | wall ms each | DB transactions each "
          "| DB CPU ms each |")
    print("|---|---|---|---|---|---|")
    for c in costs:
        tx = "-" if c.transactions is None else f"{c.transactions:.1f}"
        db = "-" if c.db_cpu_ms is None else f"{c.db_cpu_ms:.2f}"
        print(f"| {c.path} | {c.count} | {c.cpu_ms:.2f} | {c.wall_ms:.2f} | {tx} | {db} |")


if __name__ == "__main__":
    main()
