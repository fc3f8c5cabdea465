"""Account health: when Stripe stops accepting charges on a clinic's account that had
accepted them, the clinic's admins are emailed once (not once per event: Stripe repeats
and reorders account.updated), with what Stripe needs and by when. Payments are refused
meanwhile (PaymentService: `account_not_ready`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.account_requirements import describe, disabled_because
from paygate.domain.time_zones import zone_info
from paygate.services.mail.contacts import admin_addresses
from paygate.services.mail.outbox import Draft, Outbox
from paygate.store.database import as_utc, utcnow
from paygate.store.models import Clinic, StripeAccountLink

KIND = "account_paused"


class AccountHealth:
    def __init__(self, outbox: Outbox, public_url: str | None) -> None:
        self._outbox = outbox
        self._public_url = (public_url or "").rstrip("/")

    async def observed(self, tx: AsyncSession, link: StripeAccountLink,
                       was_enabled: bool) -> bool:
        """After Stripe's word on `link` was stored (in `tx`, the link locked): mark a new
        pause and queue its emails. True when emails were queued."""
        if link.charges_enabled:
            link.paused_at = None
            return False
        if not was_enabled or link.paused_at is not None:
            return False  # never accepted charges yet (onboarding), or already told
        link.paused_at = utcnow()
        clinic = await tx.get(Clinic, link.clinic_id)
        if clinic is None:
            return False
        addresses = await admin_addresses(tx, clinic.org_id, clinic.id)
        if not addresses and link.email:
            addresses = [link.email.lower()]  # no admin signed in yet: the account's owner
        stamp = int(link.paused_at.timestamp())
        for address in addresses:
            await self._outbox.enqueue(tx, self._email(clinic, link, address, stamp))
        return bool(addresses)

    def wake(self) -> None:
        self._outbox.wake()

    def _email(self, clinic: Clinic, link: StripeAccountLink, address: str,
               stamp: int) -> Draft:
        name = clinic.display_name or clinic.name or clinic.id
        due = describe(f"{link.past_due} {link.currently_due}")
        lines = [f"Stripe has paused card payments on {name}'s Stripe account "
                 f"({link.name or link.account_id}, {link.account_id}).",
                 "Until it accepts charges again, clinicians cannot request payments in "
                 "calls."]
        why = disabled_because(link.disabled_reason)
        if why:
            lines.append(f"Why: {why}.")
        if due:
            lines.append("Stripe needs: " + ", ".join(due) + ".")
        if link.current_deadline:
            zone = zone_info(clinic.time_zone)
            when = as_utc(link.current_deadline).astimezone(zone)
            lines.append(f"By: {when:%Y-%m-%d %H:%M} ({clinic.time_zone or 'UTC'}).")
        page = f"{self._public_url}/admin/clinics/{clinic.id}/client-payments"
        lines.append(f"See what to do in Configure > Client Payments: {page}")
        return Draft(kind=KIND, dedupe_key=f"{KIND}:{link.id}:{stamp}:{address}",
                     to=address, subject=f"Card payments are paused for {name}",
                     text="\n\n".join(lines) + "\n", clinic_id=clinic.id,
                     reply_to=None)
