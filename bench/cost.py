"""Server CPU and database transactions per webhook, free of queueing and load noise.

    python -m bench.cost [--webhooks 1000] [--database postgres|sqlite]

`paygate serve` (and the floor) run as child processes, as in `python -m bench`; signed
`payment_intent.succeeded` webhooks are posted one at a time over one keep-alive
connection, each answered before the next, and the server's own CPU time (from /proc) is
divided by the count. On PostgreSQL the committed transactions come from
pg_stat_database. The first tenth is a warm-up and is not counted."""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import procs, run, scenarios
from bench.load import HttpConn, Webhook
from bench.world import World, build, teardown


@dataclass
class Cost:
    path: str
    count: int
    cpu_ms: float
    wall_ms: float
    transactions: float | None


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
        await asyncio.sleep(1.0)  # pg_stat_database is updated at most every 500 ms
        commits = await _commits(world)
        cpu, wall = server.cpu_seconds(), time.perf_counter()
        for raw in requests[warm:]:
            status, body = await conn.request(raw)
            assert status == 200, (status, body)
            if path == "paygate":
                assert json.loads(body)["outcome"] == "paid", body
        wall, cpu = time.perf_counter() - wall, server.cpu_seconds() - cpu
        await asyncio.sleep(1.0)
        after = await _commits(world)
    finally:
        conn.close()
    count = len(requests) - warm
    transactions = None if commits is None or after is None else (after - commits) / count
    return Cost(path, count, cpu / count * 1000, wall / count * 1000, transactions)


async def main_async(args: argparse.Namespace, tmp: Path) -> list[Cost]:
    world = await build(tmp, run.POSTGRES_URL if args.database == "postgres" else None)
    costs = []
    try:
        total = args.webhooks + max(1, args.webhooks // 10)
        for path in ("paygate", "floor"):
            hooks = await world.seed_payments([f"call_{i % 500}" for i in range(total)])
            server = (scenarios.start_paygate(world, "paygate") if path == "paygate"
                      else scenarios.start_floor(world))
            try:
                costs.append(await post_all(world, server, path, hooks))
            finally:
                server.stop()
    finally:
        await teardown(world)
    return costs


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="paygate-cost-") as tmp:
        costs = asyncio.run(main_async(args, Path(tmp)))
    print(f"One signed payment_intent.succeeded webhook at a time ({args.database}):\n")
    print("| path | webhooks | server CPU ms each | wall ms each | DB transactions each |")
    print("|---|---|---|---|---|")
    for c in costs:
        tx = "-" if c.transactions is None else f"{c.transactions:.1f}"
        print(f"| {c.path} | {c.count} | {c.cpu_ms:.2f} | {c.wall_ms:.2f} | {tx} |")


if __name__ == "__main__":
    main()
