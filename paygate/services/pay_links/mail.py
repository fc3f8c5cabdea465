"""The pay link's email, and the call's patient it is addressed to by default."""

from __future__ import annotations

from sqlalchemy import select

from paygate import i18n
from paygate.domain.principals import Role
from paygate.services.mail.outbox import Draft
from paygate.services.pay_links.scope import LINK_USER
from paygate.services.payments.ledger import clinic_label
from paygate.store.database import Database
from paygate.store.models import AuthSession, Clinic, PayLink, PaymentRequest

PAY_LINK = "pay_link"


def link_email(row: PaymentRequest, clinic: Clinic | None, link: PayLink, url: str,
               locale: str) -> Draft:
    _ = i18n.translations(locale).gettext
    name = clinic_label(clinic)
    context = {
        "clinic": name, "url": url, "description": row.description,
        "reference": row.reference,
        "amount": i18n.format_money(row.amount, row.currency, locale),
        "expires": i18n.format_datetime(link.expires_at, locale,
                                        clinic.time_zone if clinic else None),
    }
    env = i18n.template_env(locale)
    return Draft(
        kind=PAY_LINK, dedupe_key=f"{PAY_LINK}:{row.id}:{link.id}", to=link.sent_to,
        subject=_("Payment request from {clinic} ({reference})").format(
            clinic=name, reference=row.reference),
        text=env.get_template("email/pay_link.txt").render(context),
        html=env.get_template("email/pay_link.html").render(context),
        reply_to=clinic.reply_to if clinic else None, clinic_id=row.clinic_id)


async def call_patient(db: Database, row: PaymentRequest) -> AuthSession | None:
    """The call's patient as their launch token named them (email, language)."""
    async with db.sessions() as tx:
        return await tx.scalar(select(AuthSession).where(
            AuthSession.org_id == row.org_id, AuthSession.clinic_id == row.clinic_id,
            AuthSession.call_id == row.call_id, AuthSession.role == Role.PATIENT.value,
            ~AuthSession.user_id.startswith(LINK_USER))
            .order_by(AuthSession.created_at.desc()).limit(1))
