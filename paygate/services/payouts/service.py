"""Payouts: read from the clinic's Stripe account (`payouts.list`, and
`balance_transactions.list?payout=` for what one holds), so paygate shows what Stripe has
and keeps no copy that could drift. `payout.failed` emails the clinic's admins, once per
payout; `payout.paid` needs nothing kept (the page reads the payout as it is)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from paygate import i18n
from paygate.domain.errors import DomainError, NotFound
from paygate.domain.principals import Principal, Role
from paygate.services.mail.contacts import admin_addresses
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.ports import BalanceLine, PaymentGateway, PayoutInfo, configured
from paygate.services.webhooks.inbox import WebhookService
from paygate.store.database import Database
from paygate.store.models import Clinic, PaymentRequest, StripeAccountLink

LIST_LIMIT = 100
READ_AT_ONCE = 8  # clinics whose payouts the all-clinics page reads from Stripe at once
# What a balance transaction is, in a clinic admin's words (by Stripe's reporting category).
LINE_WORDS = {"charge": "Payment", "refund": "Refund", "dispute": "Dispute",
              "dispute_reversal": "Dispute won back", "payout": "Payout",
              "payout_reversal": "Payout returned", "fee": "Stripe fee",
              "platform_earning": "Platform fee", "application_fee": "Platform fee",
              "application_fee_refund": "Platform fee refund"}


def day(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass(frozen=True)
class ClinicPayouts:
    clinic: Clinic
    link: StripeAccountLink | None
    payouts: list[PayoutInfo]
    error: str | None = None  # on the all-clinics page: Stripe could not be read for it


@dataclass(frozen=True)
class PayoutLine:
    line: BalanceLine
    words: str
    reference: str | None       # paygate's payment reference, when the source is one of its
    payment_request_id: str | None


@dataclass(frozen=True)
class PayoutDetail:
    clinic: Clinic
    link: StripeAccountLink
    payout: PayoutInfo
    lines: list[PayoutLine]


def money(amount: int, currency: str) -> str:
    return i18n.format_money(amount, currency, "en")


class PayoutService:
    def __init__(self, db: Database, gateway: PaymentGateway | None, outbox: Outbox,
                 public_url: str | None) -> None:
        self._db = db
        self._gateway = gateway
        self._outbox = outbox
        self._public_url = (public_url or "").rstrip("/")

    def register_webhooks(self, webhooks: WebhookService) -> None:
        webhooks.register("payout.failed", self._on_failed)
        webhooks.register("payout.paid", self._on_paid)

    async def for_clinic(self, who: Principal, clinic_id: str) -> ClinicPayouts:
        clinic, link = await self._clinic(who, clinic_id)
        if link is None:
            return ClinicPayouts(clinic, None, [])
        payouts = await configured(self._gateway).list_payouts(link.account_id, LIST_LIMIT)
        return ClinicPayouts(clinic, link, payouts)

    async def for_org(self, who: Principal) -> list[ClinicPayouts]:
        """Every linked clinic's payouts: an org admin's organisation, or (operator) all."""
        query = select(Clinic).order_by(Clinic.name, Clinic.id)
        if who.role is Role.ORG_ADMIN:
            query = query.where(Clinic.org_id == who.org_id)
        elif who.role is not Role.OPERATOR:
            return [await self.for_clinic(who, who.clinic_id or "")]
        async with self._db.sessions() as tx:
            clinics = (await tx.scalars(query)).all()
        # Read side by side, at most READ_AT_ONCE at a time; a clinic Stripe cannot answer
        # for (access revoked, Stripe down) says so in its own section, the rest still show.
        gate = asyncio.Semaphore(READ_AT_ONCE)

        async def one(clinic: Clinic) -> ClinicPayouts:
            async with gate:
                try:
                    return await self.for_clinic(who, clinic.id)
                except DomainError as exc:
                    return ClinicPayouts(clinic, None, [], error=exc.message)
        return list(await asyncio.gather(*(one(c) for c in clinics)))

    async def detail(self, who: Principal, clinic_id: str, payout_id: str) -> PayoutDetail:
        clinic, link = await self._clinic(who, clinic_id)
        if link is None:
            raise NotFound("This clinic has no linked Stripe account.")
        gateway = configured(self._gateway)
        payout = await gateway.retrieve_payout(link.account_id, payout_id)
        lines = await gateway.payout_lines(link.account_id, payout_id)
        intents = {line.payment_intent for line in lines if line.payment_intent}
        async with self._db.sessions() as tx:
            known = {row.payment_intent_id: row for row in (await tx.scalars(
                select(PaymentRequest).where(PaymentRequest.payment_intent_id.in_(intents),
                                             PaymentRequest.clinic_id == clinic_id)))}
        return PayoutDetail(clinic, link, payout, [
            PayoutLine(line, LINE_WORDS.get(line.reporting_category, line.type.replace(
                "_", " ").capitalize()),
                known[line.payment_intent].reference if line.payment_intent in known else None,
                known[line.payment_intent].id if line.payment_intent in known else None)
            for line in lines])

    async def _clinic(self, who: Principal, clinic_id: str
                      ) -> tuple[Clinic, StripeAccountLink | None]:
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, clinic_id)
            if clinic is None:
                raise NotFound(f"paygate does not know a clinic {clinic_id!r}.")
            who.require_clinic_admin(clinic.org_id, clinic.id)
            link = await tx.scalar(select(StripeAccountLink).where(
                StripeAccountLink.clinic_id == clinic_id, StripeAccountLink.active.is_(True)))
        return clinic, link

    # -- Stripe's events ----------------------------------------------------------------
    async def _on_paid(self, event: dict[str, Any]) -> str:
        return "payout_paid"  # nothing kept: the Payouts page reads it from Stripe

    async def _on_failed(self, event: dict[str, Any]) -> str:
        obj = event.get("data", {}).get("object", {})
        account = event.get("account")
        if not isinstance(obj, dict) or not str(obj.get("id", "")).startswith("po_") \
                or not account:
            return "ignored_malformed"
        queued = False
        async with self._db.transaction() as tx:
            clinics = (await tx.scalars(select(Clinic).join(
                StripeAccountLink, StripeAccountLink.clinic_id == Clinic.id).where(
                StripeAccountLink.account_id == account,
                StripeAccountLink.active.is_(True)))).all()
            for clinic in clinics:
                for address in await admin_addresses(tx, clinic.org_id, clinic.id):
                    queued = await self._outbox.enqueue(
                        tx, self._failed_email(clinic, obj, address)) or queued
        if queued:
            self._outbox.wake()
        return "payout_failed_emailed" if clinics else "account_not_linked"

    def _failed_email(self, clinic: Clinic, payout: dict[str, Any], address: str) -> Draft:
        name = clinic.display_name or clinic.name or clinic.id
        amount = money(int(payout.get("amount") or 0), str(payout.get("currency") or "usd"))
        page = f"{self._public_url}/admin/clinics/{clinic.id}/payouts/{payout['id']}"
        why = payout.get("failure_message") or payout.get("failure_code") or "no reason given"
        text = (f"A payout of {amount} from {name}'s Stripe account to its bank failed: "
                f"{why}.\n\nThe money is back on the Stripe balance. Check the bank account in the "
                f"Stripe dashboard.\n\nConfigure > Payouts: {page}\n")
        return Draft(kind="payout_failed", dedupe_key=f"payout_failed:{payout['id']}:{address}",
                     to=address, subject=f"A payout of {amount} failed", text=text,
                     clinic_id=clinic.id)
