"""The emails about a dispute: to the clinic's admins and its reply-to address, at once
when it opens (with the deadline) and when it closes. One per address and fact."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from paygate import i18n
from paygate.domain.disputes import reason_words, status_words
from paygate.domain.time_zones import zone_info
from paygate.services.mail.contacts import admin_addresses
from paygate.services.mail.outbox import Draft, Outbox
from paygate.services.payments.ledger import clinic_label
from paygate.store.database import as_utc
from paygate.store.models import Clinic, Dispute, PaymentRequest

OPENED, CLOSED = "dispute_opened", "dispute_closed"


class DisputeMail:
    def __init__(self, outbox: Outbox, public_url: str | None) -> None:
        self._outbox = outbox
        self._public_url = (public_url or "").rstrip("/")

    async def queue(self, tx: AsyncSession, kind: str, dispute: Dispute,
                    payment: PaymentRequest, clinic: Clinic) -> bool:
        """Queue `kind` (OPENED or CLOSED) for each address; True if any was queued."""
        addresses = await admin_addresses(tx, clinic.org_id, clinic.id)
        if clinic.reply_to and clinic.reply_to.strip().lower() not in addresses:
            addresses.append(clinic.reply_to.strip().lower())
        queued = False
        for address in addresses:
            draft = self._draft(kind, dispute, payment, clinic, address)
            queued = await self._outbox.enqueue(tx, draft) or queued
        return queued

    def wake(self) -> None:
        self._outbox.wake()

    def _draft(self, kind: str, dispute: Dispute, payment: PaymentRequest, clinic: Clinic,
               address: str) -> Draft:
        name = clinic_label(clinic)
        amount = i18n.format_money(dispute.amount, dispute.currency, "en")
        page = f"{self._public_url}/admin/clinics/{clinic.id}/disputes"
        paid = i18n.format_money(payment.amount, payment.currency, "en")
        what = (f"Payment {payment.reference} ({paid}, {payment.description}) requested by "
                f"{payment.requested_by_name}")
        if kind == OPENED:
            due, day = "", "the deadline"
            if dispute.evidence_due_by:
                when = as_utc(dispute.evidence_due_by).astimezone(zone_info(clinic.time_zone))
                due = f"{when:%Y-%m-%d %H:%M} ({clinic.time_zone or 'UTC'})"
                day = f"{when:%Y-%m-%d}"
            # Short: a subject over one header line is folded, which some readers show badly.
            subject = f"Dispute on {payment.reference}: respond by {day}"
            lines = [f"The cardholder's bank disputed a payment to {name}.", what + ".",
                     f"Disputed amount: {amount}. Reason: {reason_words(dispute.reason)}.",
                     f"Status: {status_words(dispute.status)}."]
            if due:
                lines.append(f"Evidence is due by {due}. Without a response by then, the "
                             "dispute is lost.")
            lines.append(f"Respond in Stripe from Configure > Disputes: {page}")
        else:
            subject = f"Dispute on {payment.reference}: {status_words(dispute.status).lower()}"
            lines = [f"The dispute of payment {payment.reference} ({amount}) is closed: "
                     f"{status_words(dispute.status).lower()}.", what + ".",
                     f"Configure > Disputes: {page}"]
        return Draft(kind=kind, dedupe_key=f"{kind}:{dispute.id}:{address}", to=address,
                     subject=subject, text="\n\n".join(lines) + "\n", clinic_id=clinic.id)
