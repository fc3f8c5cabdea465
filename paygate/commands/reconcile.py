"""`paygate reconcile`: one reconciliation pass now (after downtime, or from cron).

It reads every open payment request's PaymentIntent from Stripe and applies what Stripe
says, retries stored webhook events, expires overdue requests (cancelling their intents at
Stripe) and prints what it changed. Safe to run while servers run: every step is
idempotent, and on PostgreSQL a pass already running elsewhere makes this one skip."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from paygate.services.webhooks.reconciler import PassReport


def register(subparsers: Any) -> None:
    reconcile = subparsers.add_parser(
        "reconcile", help="settle payment requests whose webhooks never came, expire "
                          "overdue ones (one pass, then exit)")
    reconcile.add_argument(
        "--stale-after", type=float, default=0.0, metavar="SECONDS",
        help="only read open requests without news for this long (default 0: all)")
    reconcile.set_defaults(func=cmd_reconcile)


async def _one_pass(stale_after: float) -> PassReport:
    from paygate.cli import load_settings
    from paygate.runtime import Runtime
    from paygate.store.database import upgrade_async

    settings = load_settings()
    if settings.is_sqlite:
        await upgrade_async(settings.database_url)
    runtime = Runtime.build(settings)
    await runtime.broadcast.connect()
    try:
        return await runtime.reconciler.run_once(stale_after=stale_after)
    finally:
        await runtime.close()


def describe(report: PassReport) -> list[str]:
    if report.skipped:
        return ["another paygate instance is running a pass right now; nothing done"]
    lines = [f"settled {len(report.settled)} payment request(s) from Stripe"]
    lines += [f"  {o.reference}  {o.status}" for o in report.settled]
    lines.append(f"expired {len(report.expired)} payment request(s)")
    lines += [f"  {o.reference}  {o.status}" for o in report.expired]
    lines.append(f"re-applied {report.webhooks_retried} stored webhook event(s)")
    if report.purged:
        lines.append(f"forgot {report.purged} expired session(s) and launch token id(s)")
    return lines


def cmd_reconcile(args: argparse.Namespace) -> int:
    if args.stale_after < 0:
        print("paygate: --stale-after must be 0 or more seconds")
        return 2
    report = asyncio.run(_one_pass(args.stale_after))
    print("\n".join(describe(report)))
    return 0
