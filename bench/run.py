"""`python -m bench`: paygate against the floor of its own stack, in one bounded run.

Prints a Markdown report: webhook -> clinician socket latency through paygate and through a
bare Starlette app (the floor), memory per idle call socket for each uvicorn WebSocket
implementation, payment-request creation throughput against the sandbox, and the same
latency with two instances sharing PostgreSQL and Redis. Everything runs on 127.0.0.1;
servers are child processes, the load generator is this process."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import scenarios
from bench.load import RateResult, Webhook
from bench.scenarios import CreateRow, LatencyRow, MemoryRow, progress
from bench.stats import machine_lines
from bench.world import World, build, teardown

POSTGRES_URL = os.environ.get("PAYGATE_BENCH_POSTGRES_URL",
                              "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PAYGATE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
WS_CONFIGS = [(ws, deflate) for ws in ("paygate", "websockets-sansio", "websockets", "wsproto")
              for deflate in ("off", "on")]


@dataclass
class Plan:
    sockets: list[int]
    rates: list[float]
    duration: float
    drain: float
    scaleout_sockets: int
    memory_sockets: int
    memory_configs: list[tuple[str, str]]
    create_seconds: float
    create_concurrency: int
    connections: int
    warmup: float = 2.0
    profile: Path | None = None
    sections: set[str] = field(default_factory=lambda: {"latency", "memory", "create",
                                                        "scaleout"})


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, Plan]:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a small smoke run (< 1 minute) that keeps the harness honest")
    parser.add_argument("--sockets", default="1000,5000",
                        help="open call sockets per latency run (default 1000,5000)")
    parser.add_argument("--rates", default="500,2000",
                        help="offered signed webhooks per second (default 500,2000)")
    parser.add_argument("--duration", type=float, default=3.0,
                        help="seconds of sending per rate (default 3)")
    parser.add_argument("--warmup", type=float, default=2.0,
                        help="seconds of unreported sending at the first rate before each "
                             "server's measured runs (default 2)")
    parser.add_argument("--drain", type=float, default=5.0,
                        help="seconds to wait for late notices after sending (default 5)")
    parser.add_argument("--scaleout-sockets", type=int, default=None,
                        help="sockets for the 2-instance run (default: the first --sockets)")
    parser.add_argument("--memory-sockets", type=int, default=500,
                        help="idle sockets per memory measurement (default 500)")
    parser.add_argument("--create-seconds", type=float, default=5.0)
    parser.add_argument("--create-concurrency", type=int, default=16)
    parser.add_argument("--connections", type=int, default=64,
                        help="keep-alive connections the webhook sender uses (default 64)")
    parser.add_argument("--only", default="",
                        help="comma-separated sections: latency,memory,create,scaleout")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres",
                        help="what paygate runs on (2 instances need postgres)")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="run the single paygate instance under py-spy and keep its "
                             "collapsed stacks in DIR (py-spy must be installed)")
    args = parser.parse_args(argv)
    if args.quick:
        plan = Plan(sockets=[50], rates=[25.0, 50.0], duration=1.0, drain=10.0,
                    scaleout_sockets=50, memory_sockets=50,
                    memory_configs=[("paygate", "off"), ("websockets-sansio", "off")],
                    create_seconds=1.0, create_concurrency=4, connections=8, warmup=0.5)
    else:
        sockets = [int(x) for x in args.sockets.split(",") if x.strip()]
        plan = Plan(sockets=sockets,
                    rates=[float(x) for x in args.rates.split(",") if x.strip()],
                    duration=args.duration, drain=args.drain,
                    scaleout_sockets=args.scaleout_sockets or sockets[0],
                    memory_sockets=args.memory_sockets, memory_configs=available(WS_CONFIGS),
                    create_seconds=args.create_seconds,
                    create_concurrency=args.create_concurrency, connections=args.connections,
                    warmup=args.warmup)
    if args.only:
        plan.sections = {s.strip() for s in args.only.split(",") if s.strip()}
    if args.database == "sqlite":
        plan.sections.discard("scaleout")
    plan.profile = args.profile
    return args, plan


def available(configs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    try:
        import wsproto  # noqa: F401
    except ImportError:
        progress("wsproto is not installed: its memory rows are left out")
        return [c for c in configs if c[0] != "wsproto"]
    return configs


@dataclass
class Results:
    latency: list[LatencyRow] = field(default_factory=list)
    scaleout: list[LatencyRow] = field(default_factory=list)
    memory: list[MemoryRow] = field(default_factory=list)
    create: CreateRow | None = None
    seconds: float = 0.0


async def measure(world: World, plan: Plan) -> Results:
    results = Results()
    if "create" in plan.sections:
        # First, while the sandbox is fresh: its API slows down as it holds more objects,
        # and the latency runs seed tens of thousands.
        results.create = await scenarios.creation(world, plan.create_concurrency,
                                                  plan.create_seconds)
    batches: dict[tuple[str, int], list[tuple[float, list[Webhook]]]] = {}  # warm-up first
    wanted: list[tuple[str, int]] = []
    if "latency" in plan.sections:
        wanted += [("one", n) for n in plan.sockets]
    if "scaleout" in plan.sections:
        wanted.append(("two", plan.scaleout_sockets))
        if plan.scaleout_sockets not in plan.sockets or "latency" not in plan.sections:
            wanted.append(("one", plan.scaleout_sockets))
    wanted = list(dict.fromkeys(wanted))
    if wanted:
        calls: list[str] = []
        spans: list[tuple[tuple[str, int], float, int, int]] = []
        for key in wanted:
            # A warm-up at the first rate (not reported): the server's pools and prepared
            # statements fill, as on a server that has been up for a while.
            warm = [(plan.rates[0], max(1, int(plan.rates[0] * plan.warmup)))] \
                if plan.warmup > 0 else []
            for rate, count in [*warm, *((r, max(1, int(r * plan.duration)))
                                          for r in plan.rates)]:
                spans.append((key, rate, len(calls), count))
                calls += [f"call-{k % key[1]}" for k in range(count)]
        started = time.perf_counter()
        hooks = await world.seed_payments(calls)
        progress(f"seeded {len(hooks)} paid PaymentIntents and payment requests in "
                 f"{time.perf_counter() - started:.1f}s")
        for key, rate, start, count in spans:
            batches.setdefault(key, []).append((rate, hooks[start:start + count]))

    for key in wanted:
        if key[0] != "one":
            continue
        sockets = key[1]
        profile = None
        if plan.profile is not None:
            plan.profile.mkdir(parents=True, exist_ok=True)
            profile = plan.profile / f"paygate-{sockets}-sockets.txt"
        server = scenarios.start_paygate(world, "paygate", profile=profile)
        try:
            rows = await scenarios.latency(world, "paygate", [server], sockets, batches[key],
                                           connections=plan.connections, drain=plan.drain,
                                           warmup=plan.warmup > 0)
        finally:
            server.stop()
        floor = scenarios.start_floor(world)
        try:
            rows += await scenarios.latency(world, "floor", [floor], sockets, batches[key],
                                            connections=plan.connections, drain=plan.drain,
                                            warmup=plan.warmup > 0)
        finally:
            floor.stop()
        results.latency += rows

    if ("two", plan.scaleout_sockets) in batches:
        servers = [scenarios.start_paygate(world, f"paygate-{n}", broadcast=REDIS_URL)
                   for n in "ab"]
        try:
            results.scaleout = await scenarios.latency(
                world, "paygate", servers, plan.scaleout_sockets,
                batches[("two", plan.scaleout_sockets)], connections=plan.connections,
                drain=plan.drain, warmup=plan.warmup > 0)
        finally:
            for server in servers:
                server.stop()

    if "memory" in plan.sections:
        for ws, deflate in plan.memory_configs:
            results.memory.append(await scenarios.memory(world, ws, deflate,
                                                         plan.memory_sockets))
    return results


# -- the report ------------------------------------------------------------------------

def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def cpu_ms_per_notice(cores: float, result: RateResult) -> float:
    """CPU milliseconds per notice received: cores used over notices per second."""
    return 1000 * cores / result.achieved if result.achieved else math.nan


def _notes(row: LatencyRow) -> str:
    r = row.result
    notes = []
    if r.received < r.sent:
        notes.append(f"{r.sent - r.received} notices missing after the drain")
    if r.http_ok < r.sent:
        notes.append(f"{r.sent - r.http_ok} webhooks not answered 2xx in time")
    if r.achieved < 0.95 * r.offered:
        notes.append("server saturated")
    if r.other_cpu > 0.25:
        notes.append(f"other processes used ~{r.other_cpu:.1f} cores")
    if r.others:  # what else ran, whatever it came to
        notes.append("also ran: " + ", ".join(f"{name} {cores:.2f}" for name, cores in r.others))
    if r.late_p99_ms > 5 or r.generator_cpu > 0.9:
        notes.append(f"generator behind schedule (p99 {r.late_p99_ms:.1f} ms late, "
                     f"{r.generator_cpu:.0%} of a core)")
    return "; ".join(notes)


def _latency_table(rows: list[LatencyRow]) -> list[str]:
    out = ["| path | instances | sockets | offered /s | sent | notices | achieved /s | "
           "p50 ms | p95 ms | p99 ms | server CPU (cores) | DB CPU (cores) | machine busy | "
           "notes |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        r = row.result
        out.append(
            f"| {row.path} | {row.instances} | {row.sockets} | {r.offered:.0f} | {r.sent} | "
            f"{r.received} | {r.achieved:.0f} | {_ms(r.latencies.ms(50))} | "
            f"{_ms(r.latencies.ms(95))} | {_ms(r.latencies.ms(99))} | {r.server_cpu:.2f} | "
            f"{r.database_cpu:.2f} | {r.machine_busy:.0%} | {_notes(row)} |")
    return out


def _ratio_table(rows: list[LatencyRow]) -> list[str]:
    floor = {(r.sockets, r.result.offered): r.result for r in rows if r.path == "floor"}
    out = ["| sockets | offered /s | paygate p50 ms | floor p50 ms | p50 ratio | "
           "paygate p99 ms | floor p99 ms | paygate achieved /s | floor achieved /s |",
           "|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        base = floor.get((row.sockets, row.result.offered))
        if row.path != "paygate" or base is None:
            continue
        p, f = row.result, base
        ratio = p.latencies.ms(50) / f.latencies.ms(50) if f.latencies.samples else math.nan
        out.append(f"| {row.sockets} | {p.offered:.0f} | {_ms(p.latencies.ms(50))} | "
                   f"{_ms(f.latencies.ms(50))} | {_ms(ratio)}x | {_ms(p.latencies.ms(99))} | "
                   f"{_ms(f.latencies.ms(99))} | {p.achieved:.0f} | {f.achieved:.0f} |")
    return out


def report(results: Results, plan: Plan, database: str) -> str:
    lines = ["# paygate benchmark", "",
             f"Run of `python -m bench` ({results.seconds:.0f} s); paygate on {database}, "
             "one uvicorn worker per instance unless stated.", "",
             *machine_lines(POSTGRES_URL if database == "postgres" else None), ""]
    if results.latency:
        lines += ["## 1. Signed webhook -> clinician WebSocket", "",
                  f"Open loop: {plan.duration:g} s of sending per rate, latency from each "
                  "webhook's scheduled send time to its notice on the socket; one clinician "
                  "socket per call; every webhook is a real payment_intent.succeeded for a "
                  "distinct payment request.", "",
                  *_latency_table(results.latency), "", "paygate against the floor:", "",
                  *_ratio_table(results.latency), ""]
    if results.memory:
        lines += ["## 2. Memory per idle call socket", "",
                  "One paygate worker, authenticated clinician sockets that got their "
                  "snapshot; RSS growth divided by the sockets opened after a warm-up.", "",
                  "| --ws | --ws-per-message-deflate | sockets | RSS before MiB | "
                  "RSS after MiB | KiB per socket |", "|---|---|---|---|---|---|"]
        lines += [f"| {m.ws} | {m.deflate} | {m.sockets} | {m.before_kb / 1024:.1f} | "
                  f"{m.after_kb / 1024:.1f} | {m.per_socket_kb:.1f} |" for m in results.memory]
        lines.append("")
    if results.create:
        c = results.create
        lines += ["## 3. Payment-request creation against the sandbox", "",
                  "Closed loop: each clinician posts the next request when the last one is "
                  "answered; each creates a PaymentIntent on the sandbox and a ledger row.", "",
                  "| clinicians | seconds | created | per second | p50 ms | p99 ms | errors |",
                  "|---|---|---|---|---|---|---|",
                  f"| {c.concurrency} | {c.seconds:.1f} | {c.created} | {c.rate:.0f} | "
                  f"{_ms(c.latencies.ms(50))} | {_ms(c.latencies.ms(99))} | {c.errors} |", ""]
    if results.scaleout:
        single = {r.result.offered: r.result for r in results.latency
                  if r.path == "paygate" and r.sockets == plan.scaleout_sockets}
        lines += ["## 4. Two instances + Redis", "",
                  "Two paygate processes on the same PostgreSQL, notices through Redis; "
                  "sockets and webhooks alternate between them, so about half the notices "
                  "cross instances.", "", *_latency_table(results.scaleout), "",
                  "CPU per notice: the servers' cores, then with PostgreSQL and Redis, "
                  "divided by the notices received per second.", "",
                  "| offered /s | 1 instance achieved /s | 2 instances achieved /s | "
                  "speed-up | servers' CPU ms per notice, 1 / 2 instances | ratio | "
                  "with PostgreSQL + Redis, 1 / 2 | ratio |",
                  "|---|---|---|---|---|---|---|---|"]
        for row in results.scaleout:
            one = single.get(row.result.offered)
            if one is None:
                continue
            two = row.result
            servers = [cpu_ms_per_notice(r.server_cpu, r) for r in (one, two)]
            total = [cpu_ms_per_notice(r.server_cpu + r.database_cpu, r) for r in (one, two)]
            lines.append(f"| {two.offered:.0f} | {one.achieved:.0f} | {two.achieved:.0f} | "
                         f"{two.achieved / max(one.achieved, 1e-9):.2f}x | "
                         f"{servers[0]:.2f} / {servers[1]:.2f} | "
                         f"{servers[1] / servers[0]:.2f}x | {total[0]:.2f} / {total[1]:.2f} | "
                         f"{total[1] / total[0]:.2f}x |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args, plan = parse_args(argv)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="paygate-bench-") as tmp:
        results = asyncio.run(_main(Path(tmp), plan, args.database))
    results.seconds = time.perf_counter() - started
    text = report(results, plan, args.database)
    print(text, flush=True)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


def print_logs(tmp: Path) -> None:
    for log in sorted(tmp.glob("*.log")):
        print(f"--- {log.name} (tail)\n{log.read_text()[-2000:]}", file=sys.stderr)


async def _main(tmp: Path, plan: Plan, database: str) -> Results:
    world = await build(tmp, POSTGRES_URL if database == "postgres" else None)
    try:
        return await measure(world, plan)
    except BaseException:
        print_logs(tmp)
        raise
    finally:
        await teardown(world)
