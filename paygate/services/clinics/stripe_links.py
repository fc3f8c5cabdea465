"""A clinic's link to its Stripe account: link, unlink, and Stripe's word on the account.

One Stripe account may be linked to several clinics of the same organisation (a group
practice with one Stripe account is normal); linking it to a clinic of another
organisation is refused. Stripe access is only given up (deauthorized) when no clinic
uses the account any more."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from paygate.domain.errors import (
    AccountNotLinked,
    Conflict,
    InvalidInput,
    NotFound,
    PaymentProviderError,
)
from paygate.domain.principals import Principal
from paygate.domain.time_zones import zone_for_country
from paygate.logs import log_event
from paygate.services.clinics.account_health import AccountHealth
from paygate.services.payments.service import PaymentService
from paygate.services.ports import AccountInfo, PaymentGateway, configured, requirements_of
from paygate.services.webhooks.inbox import WebhookService
from paygate.store.database import Database, utcnow
from paygate.store.models import Clinic, StripeAccountLink

logger = logging.getLogger("paygate.stripe_links")
# Why a link ended, as stored in StripeAccountLink.unlink_reason.
REPLACED, REMOVED, REVOKED = "replaced", "removed", "revoked_in_stripe"


class StripeLinks:
    def __init__(self, db: Database, gateway: PaymentGateway | None,
                 payments: PaymentService, health: AccountHealth) -> None:
        self._db = db
        self._gateway = gateway
        self._payments = payments
        self._health = health

    def register_webhooks(self, webhooks: WebhookService) -> None:
        webhooks.register("account.updated", self._on_account_updated)
        webhooks.register("account.application.deauthorized", self._on_deauthorized)

    def gateway(self) -> PaymentGateway:
        return configured(self._gateway)

    async def link(self, clinic_id: str, account_id: str, linked_by: str,
                   created_by_paygate: bool = False) -> StripeAccountLink:
        """Check the account with Stripe, end any previous link (kept as history), link."""
        try:
            info = await self.gateway().retrieve_account(account_id)
        except (AccountNotLinked, NotFound):
            raise InvalidInput(f"Stripe account {account_id} does not exist or has not given "
                               "paygate's platform access; link it with Go to Stripe "
                               "instead.", field="account_id") from None
        now = utcnow()
        async with self._db.transaction() as tx:
            # Locked: two links made at once for one clinic end as one active link.
            clinic = await tx.get(Clinic, clinic_id, with_for_update=True)
            if clinic is None:
                raise NotFound(f"paygate does not know a clinic {clinic_id!r}.")
            elsewhere = await tx.scalar(
                select(Clinic.org_id).join(StripeAccountLink,
                                           StripeAccountLink.clinic_id == Clinic.id)
                .where(StripeAccountLink.account_id == info.id,
                       StripeAccountLink.active.is_(True), Clinic.org_id != clinic.org_id)
                .limit(1))
            if elsewhere is not None:
                raise Conflict("This Stripe account is already linked to a clinic of another "
                               "organisation; link a Stripe account of your own.")
            if created_by_paygate:
                same = await tx.scalar(select(StripeAccountLink).where(
                    StripeAccountLink.clinic_id == clinic_id,
                    StripeAccountLink.account_id == info.id,
                    StripeAccountLink.active.is_(True)))
                if same is not None:  # the same creation, sent twice
                    return same
            await tx.execute(update(StripeAccountLink).where(
                StripeAccountLink.clinic_id == clinic_id, StripeAccountLink.active.is_(True)
            ).values(active=False, unlinked_at=now, unlink_reason=REPLACED, updated_at=now))
            link = StripeAccountLink(clinic_id=clinic_id, account_id=info.id, active=True,
                                     linked_by=linked_by[:64], linked_at=now, updated_at=now,
                                     created_by_paygate=created_by_paygate, observed_at=0)
            _copy_account(link, info)
            tx.add(link)
            if clinic.time_zone is None:  # until an admin picks one on the Edit form
                clinic.time_zone = zone_for_country(info.country)
        await self._payments.options_changed(clinic_id)
        return link

    async def unlink(self, clinic_id: str, who: Principal | None,
                     reason: str) -> StripeAccountLink:
        """Deauthorize at Stripe (unless another clinic still uses the account), end the
        link, cancel the clinic's open payment requests. History stays."""
        async with self._db.sessions() as tx:
            link = await tx.scalar(select(StripeAccountLink).where(
                StripeAccountLink.clinic_id == clinic_id, StripeAccountLink.active.is_(True)))
            if link is None:
                raise Conflict("This clinic has no linked Stripe account.")
            shared = await tx.scalar(select(StripeAccountLink.id).where(
                StripeAccountLink.account_id == link.account_id,
                StripeAccountLink.active.is_(True),
                StripeAccountLink.clinic_id != clinic_id).limit(1))
        if shared is None:
            try:
                await self.gateway().deauthorize(link.account_id)
            except (AccountNotLinked, InvalidInput):
                # Stripe says paygate is not connected any more: the unlink stands.
                log_event(logger, "deauthorize refused; unlinking anyway", logging.WARNING,
                          clinic_id=clinic_id, account=link.account_id)
        now = utcnow()
        async with self._db.transaction() as tx:
            # By id, so a deauthorized webhook racing us still ends as "removed".
            await tx.execute(update(StripeAccountLink).where(
                StripeAccountLink.id == link.id).values(
                    active=False, unlinked_at=now, unlink_reason=reason, updated_at=now))
        await self._payments.cancel_open_for_clinic(
            clinic_id, who, "The clinic removed its Stripe account.")
        await self._payments.options_changed(clinic_id)
        link.active, link.unlinked_at, link.unlink_reason = False, now, reason
        return link

    async def refresh(self, clinic_id: str) -> None:
        async with self._db.sessions() as tx:
            account_id = await tx.scalar(select(StripeAccountLink.account_id).where(
                StripeAccountLink.clinic_id == clinic_id, StripeAccountLink.active.is_(True)))
        if account_id is None:
            raise Conflict("This clinic has no linked Stripe account.")
        await self._store(await self.gateway().retrieve_account(account_id), 0, fresh=True)

    async def _store(self, info: AccountInfo, observed_at: int, *, fresh: bool) -> int:
        """Keep Stripe's word on the account on its active links. A fresh read is the
        account as it is now; an event's payload (`fresh` False) is kept only when no
        later event (by `created`) was applied, so a late, reordered one changes nothing.
        Locked, so two events at once see one pause start (and email about it once)."""
        told = False
        flipped: list[str] = []  # clinics whose charges were paused or resumed
        async with self._db.transaction() as tx:
            links = (await tx.scalars(select(StripeAccountLink).where(
                StripeAccountLink.account_id == info.id,
                StripeAccountLink.active.is_(True)).with_for_update())).all()
            for link in links:
                if not fresh and link.observed_at > observed_at:
                    continue
                link.observed_at = max(link.observed_at, observed_at)
                was_enabled = link.charges_enabled
                _copy_account(link, info)
                link.updated_at = utcnow()
                told = await self._health.observed(tx, link, was_enabled) or told
                if link.charges_enabled != was_enabled:
                    flipped.append(link.clinic_id)
        if told:
            self._health.wake()
        for clinic_id in flipped:
            await self._payments.options_changed(clinic_id)
        return len(links)

    async def _on_account_updated(self, event: dict[str, Any]) -> str:
        obj = event.get("data", {}).get("object", {})
        if not isinstance(obj, dict) or not obj.get("id"):
            return "ignored_malformed"
        if obj["id"] != event.get("account"):
            # Signed by Stripe, but about an account other than the one it came from:
            # only an account's own event may change what paygate keeps of it.
            log_event(logger, "account.updated about another account; ignored",
                      logging.WARNING, event_id=event.get("id"),
                      account=event.get("account"), object_id=obj["id"])
            return "ignored_foreign_account"
        async with self._db.sessions() as tx:
            linked = await tx.scalar(select(StripeAccountLink.id).where(
                StripeAccountLink.account_id == obj["id"],
                StripeAccountLink.active.is_(True)).limit(1))
        if linked is None:
            return "account_not_linked"
        # Events come late, twice, out of order, several within one second: the account
        # as Stripe has it now is what to keep; the payload only if Stripe does not answer.
        try:
            info, fresh = await self.gateway().retrieve_account(obj["id"]), True
        except (PaymentProviderError, AccountNotLinked, NotFound):
            info, fresh = account_from_event(obj), False
        changed = await self._store(info, int(event.get("created") or 0), fresh=fresh)
        return "account_updated" if changed else "account_not_linked"

    async def _on_deauthorized(self, event: dict[str, Any]) -> str:
        account_id = event.get("account")
        if not account_id:
            return "ignored_no_account"
        when = utcnow()
        if event.get("created"):
            when = datetime.fromtimestamp(int(event["created"]), UTC)
        async with self._db.transaction() as tx:
            clinic_ids = list((await tx.scalars(select(StripeAccountLink.clinic_id).where(
                StripeAccountLink.account_id == account_id,
                StripeAccountLink.active.is_(True)))).all())
            await tx.execute(update(StripeAccountLink).where(
                StripeAccountLink.account_id == account_id,
                StripeAccountLink.active.is_(True)).values(
                    active=False, unlinked_at=when, unlink_reason=REVOKED, updated_at=utcnow()))
        for clinic_id in clinic_ids:
            await self._payments.cancel_open_for_clinic(
                clinic_id, None, "Stripe access was revoked from the Stripe dashboard.")
            await self._payments.options_changed(clinic_id)
        return "account_deauthorized" if clinic_ids else "account_not_linked"


def account_from_event(obj: dict[str, Any]) -> AccountInfo:
    """The account object inside an account.updated event (plain JSON)."""
    profile = obj.get("business_profile") or {}
    dashboard = (obj.get("settings") or {}).get("dashboard") or {}
    return AccountInfo(
        id=str(obj["id"]), name=dashboard.get("display_name") or profile.get("name"),
        email=obj.get("email"), country=obj.get("country"),
        default_currency=obj.get("default_currency"),
        charges_enabled=bool(obj.get("charges_enabled")),
        payouts_enabled=bool(obj.get("payouts_enabled")), livemode=bool(obj.get("livemode")),
        **requirements_of(obj))


def _copy_account(link: StripeAccountLink, info: AccountInfo) -> None:
    link.name, link.email, link.country = info.name, info.email, info.country
    link.default_currency = info.default_currency
    link.charges_enabled, link.payouts_enabled = info.charges_enabled, info.payouts_enabled
    link.livemode = info.livemode
    link.details_submitted = info.details_submitted
    link.currently_due, link.past_due = " ".join(info.currently_due), " ".join(info.past_due)
    link.disabled_reason = info.disabled_reason
    link.current_deadline = (datetime.fromtimestamp(info.current_deadline, UTC)
                             if info.current_deadline else None)
