"""ReceiptService: the facade the web and Runtime use for receipts (issue 22)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import Conflict, NotFound
from paygate.domain.payment_requests import SETTLED, Status
from paygate.domain.principals import Principal, Role
from paygate.services.mail.outbox import Outbox
from paygate.services.pay_links.scope import authorize_request
from paygate.services.ports import Attachment
from paygate.services.receipts import details, providers
from paygate.services.receipts.details import DetailInput
from paygate.services.receipts.document import ReceiptDocument, document_of
from paygate.services.receipts.profiles import ProfileInput, save_profile
from paygate.store.database import Database
from paygate.store.models import (
    Clinic,
    ClinicReceiptProfile,
    OutboxEmail,
    PaymentRequest,
    ProviderNumber,
    Refund,
)

PDF = "application/pdf"
RECEIPT_KEY, REFUND_KEY = "receipt:", "refund:"


@dataclass(frozen=True)
class ReceiptPdf:
    filename: str
    content: bytes


class ReceiptService:
    def __init__(self, db: Database, outbox: Outbox) -> None:
        self._db = db
        self._outbox = outbox

    # -- the clinician's Request Payment ------------------------------------------------
    async def check_details(self, principal: Principal, amount: int,
                            detail: DetailInput) -> DetailInput:
        """Before anything is created at Stripe: items that add up, a plausible date."""
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, principal.clinic_id)
        return details.checked(detail, amount, clinic)

    async def record_details(self, principal: Principal, request_id: str,
                             detail: DetailInput) -> None:
        assert principal.clinic_id is not None
        async with self._db.transaction() as tx:
            number = await providers.number_for(tx, principal.clinic_id, principal.user_id)
            await details.record(tx, request_id, detail, principal.name, number)

    # -- the clinic admin's Receipts section and provider numbers -----------------------
    async def profile(self, who: Principal, clinic_id: str) -> ProfileInput:
        async with self._db.sessions() as tx:
            await self._admin_clinic(tx, who, clinic_id)
            return ProfileInput.of(await tx.get(ClinicReceiptProfile, clinic_id))

    async def save_profile(self, who: Principal, clinic_id: str, form: ProfileInput) -> None:
        async with self._db.transaction() as tx:
            await self._admin_clinic(tx, who, clinic_id)
            await save_profile(tx, clinic_id, form)

    async def provider_numbers(self, who: Principal, clinic_id: str) -> list[ProviderNumber]:
        async with self._db.sessions() as tx:
            await self._admin_clinic(tx, who, clinic_id)
            return await providers.clinicians(tx, clinic_id)

    async def set_provider_number(self, who: Principal, clinic_id: str, user_id: str,
                                  number: str) -> None:
        async with self._db.transaction() as tx:
            await self._admin_clinic(tx, who, clinic_id)
            if await providers.set_by_admin(tx, clinic_id, user_id, number) is None:
                raise NotFound("This clinician has not signed in at this clinic yet.")

    # -- the document ----------------------------------------------------------------------
    async def pdf_for(self, principal: Principal, request_id: str,
                      locale: str | None = None) -> ReceiptPdf:
        """The receipt of a paid request for the call's patient or clinician (a pay link's
        session: its own request) or the clinic's admins; NotFound before it is paid."""
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
        if row is None:
            raise NotFound("No such payment request.")
        if principal.role in (Role.PATIENT, Role.CLINICIAN):
            await authorize_request(self._db, principal, row)
        else:
            principal.require_clinic_admin(row.org_id, row.clinic_id)
        if Status(row.status) not in SETTLED or row.paid_at is None:
            raise NotFound("There is no receipt until the payment is made.")
        doc = await self._document(row)
        return await self._render(doc, locale or row.receipt_locale or principal.locale)

    async def pdf_for_link(self, linked_request_id: str, locale: str | None) -> ReceiptPdf:
        """The receipt of the one request a live (unrevoked) payment link names: what its
        page offers once the request is paid. The caller has checked the link."""
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, linked_request_id)
        if row is None or Status(row.status) not in SETTLED or row.paid_at is None:
            raise NotFound("There is no receipt until the payment is made.")
        return await self._render(await self._document(row), locale or row.receipt_locale)

    async def resend(self, who: Principal, request_id: str) -> str:
        """An admin sends the receipt email again (with the PDF as it is now), to the
        address the patient gave; that address."""
        async with self._db.sessions() as tx:
            row = await tx.get(PaymentRequest, request_id)
            if row is None:
                raise NotFound("No such payment request.")
            who.require_clinic_admin(row.org_id, row.clinic_id)
            email = await tx.scalar(select(OutboxEmail).where(
                OutboxEmail.dedupe_key == RECEIPT_KEY + request_id))
        if email is None or row.paid_at is None:
            raise Conflict("There is no receipt to send again: the patient gave no address "
                           "for it, or the payment is not made.")
        await self._outbox.resend(email.id)
        return email.to_addr

    async def email_attachments(self, email: OutboxEmail) -> tuple[Attachment, ...]:
        """The outbox's attachments for receipt and refund emails: the receipt as it is
        now (a refund's email carries the receipt that lists it)."""
        async with self._db.sessions() as tx:
            if email.dedupe_key.startswith(RECEIPT_KEY):
                row = await tx.get(PaymentRequest, email.dedupe_key[len(RECEIPT_KEY):])
            elif email.dedupe_key.startswith(REFUND_KEY):
                key = email.dedupe_key[len(REFUND_KEY):]
                refund = await tx.scalar(select(Refund).where(
                    (Refund.stripe_refund_id == key) | (Refund.id == key)).limit(1))
                row = await tx.get(PaymentRequest, refund.payment_request_id) \
                    if refund else None
            else:
                return ()
        if row is None or row.paid_at is None:
            return ()
        pdf = await self._render(await self._document(row), row.receipt_locale)
        return (Attachment(pdf.filename, PDF, pdf.content),)

    async def _document(self, row: PaymentRequest) -> ReceiptDocument:
        async with self._db.sessions() as tx:
            return await document_of(tx, row)

    @staticmethod
    async def _render(doc: ReceiptDocument, locale: str | None) -> ReceiptPdf:
        # Imported here: fpdf2 and fontTools take about a second to import, which every
        # process (the CLI's too) would pay at start-up for a receipt it may never make.
        from paygate.services.receipts.pdf import render_pdf

        content = await asyncio.to_thread(render_pdf, doc, locale)  # CPU work, off the loop
        return ReceiptPdf(f"receipt-{doc.reference}.pdf", content)

    @staticmethod
    async def _admin_clinic(tx: AsyncSession, who: Principal, clinic_id: str) -> Clinic:
        clinic = await tx.get(Clinic, clinic_id)
        if clinic is None:
            raise NotFound("No such clinic.")
        who.require_clinic_admin(clinic.org_id, clinic_id)
        return clinic
