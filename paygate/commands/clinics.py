"""`paygate clinics`: provisioning and support for operators (list, enable, link, unlink,
an organisation's platform fee)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from paygate.services.clinics.service import ClinicService
from paygate.settings import Settings

T = TypeVar("T")


def register(subparsers: Any) -> None:
    clinics = subparsers.add_parser("clinics", help="list, enable and link clinics")
    sub = clinics.add_subparsers(dest="clinics_command", metavar="ACTION", required=True)
    sub.add_parser("list", help="every clinic with its add-on and Stripe account").set_defaults(
        func=cmd_list)
    enable = sub.add_parser("enable", help="enable the add-on (creates the clinic if new)")
    enable.add_argument("org")
    enable.add_argument("clinic")
    enable.add_argument("--name", help="the clinic's name")
    enable.set_defaults(func=cmd_enable)
    link = sub.add_parser("link", help="link a Stripe account already connected to paygate's "
                                       "platform (checked with Stripe first)")
    link.add_argument("clinic")
    link.add_argument("account_id", metavar="ACCOUNT_ID")
    link.set_defaults(func=cmd_link)
    unlink = sub.add_parser("unlink", help="deauthorize at Stripe, unlink, cancel open "
                                           "payment requests")
    unlink.add_argument("clinic")
    unlink.set_defaults(func=cmd_unlink)
    fee = sub.add_parser("fee", help="an organisation's platform fee on new payments, e.g. "
                                     "1.5%%+30 (0: none), overriding PAYGATE_APPLICATION_FEE")
    fee.add_argument("org")
    fee.add_argument("fee", nargs="?", help="percent and/or fixed minor units: 1.5%%+30")
    fee.add_argument("--default", action="store_true",
                     help="use PAYGATE_APPLICATION_FEE again for this organisation")
    fee.set_defaults(func=cmd_fee)


@asynccontextmanager
async def _clinic_service(settings: Settings) -> AsyncIterator[ClinicService]:
    from paygate.runtime import Runtime

    # Built as the server builds it, but with no workers: emails queued here are sent by
    # the server's outbox worker.
    runtime = Runtime.build(settings)
    await runtime.broadcast.connect()
    try:
        yield runtime.clinics
    finally:
        await runtime.close()


def _run(work: Callable[[ClinicService], Awaitable[T]]) -> T:
    from paygate.cli import load_settings
    from paygate.store.database import upgrade

    settings = load_settings()
    if settings.is_sqlite:
        upgrade(settings.database_url)

    async def main() -> T:
        async with _clinic_service(settings) as clinics:
            return await work(clinics)

    return asyncio.run(main())


def cmd_list(args: argparse.Namespace) -> int:
    rows = _run(lambda clinics: clinics.all_clinics())
    if not rows:
        print("no clinics yet (paygate clinics enable ORG CLINIC --name NAME)")
        return 0
    table = [("CLINIC", "ORG", "NAME", "ADD-ON", "STRIPE ACCOUNT", "CHARGES")]
    for row in rows:
        link = row.link
        table.append((
            row.clinic.id, row.clinic.org_id, row.clinic.name or "-",
            "enabled" if row.clinic.addon_enabled else "not enabled",
            link.account_id if link else "-",
            ("enabled" if link.charges_enabled else "disabled") if link else "-"))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True))
              .rstrip())
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    clinic = _run(lambda clinics: clinics.enable(args.org, args.clinic, args.name))
    print(f"Payment Gateway add-on enabled for {clinic.id} ({clinic.name}) in {clinic.org_id}")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    link = _run(lambda clinics: clinics.link_account(args.clinic, args.account_id,
                                                     "paygate CLI"))
    charges = "charges enabled" if link.charges_enabled else "charges NOT enabled yet"
    print(f"linked {args.clinic} to {link.account_id} ({link.name or 'unnamed'}, "
          f"{link.country or '?'}, {charges})")
    enabled = _run(lambda clinics: clinics.all_clinics())
    if not any(r.clinic.id == args.clinic and r.clinic.addon_enabled for r in enabled):
        print(f"note: the add-on is not enabled for {args.clinic}; run "
              f"`paygate clinics enable` before clinicians can take payments", file=sys.stderr)
    return 0


def cmd_unlink(args: argparse.Namespace) -> int:
    link = _run(lambda clinics: clinics.unlink_clinic(args.clinic, None))
    print(f"unlinked {link.account_id} from {args.clinic}; open payment requests cancelled")
    return 0


def cmd_fee(args: argparse.Namespace) -> int:
    if args.default == (args.fee is not None):
        print("give a fee (like 1.5%+30, or 0 for none) or --default", file=sys.stderr)
        return 2
    stored = _run(lambda clinics: clinics.set_application_fee(
        args.org, None if args.default else args.fee))
    print(f"{args.org}: " + ("the platform's default fee (PAYGATE_APPLICATION_FEE)"
                              if stored is None else "no fee" if stored == "0"
                              else f"fee {stored} on each new payment"))
    return 0
