"""The ledger's tables. Money is integer minor units plus an ISO currency code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


Timestamp = DateTime(timezone=True)


class Organisation(Base):
    __tablename__ = "organisations"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    # The platform's fee for this organisation's payments ("1.5%+30", "0" for none);
    # NULL: PAYGATE_APPLICATION_FEE. Set by operators (paygate clinics fee).
    application_fee: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Clinic(Base):
    __tablename__ = "clinics"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    org_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    addon_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # paygate-side settings a clinic admin edits
    display_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    default_currency: Mapped[str] = mapped_column(String(3), default="usd")
    reply_to: Mapped[str | None] = mapped_column(String(320), nullable=True)
    share_description: Mapped[bool] = mapped_column(Boolean, default=False)
    # IANA zone for the times in its emails; set from the Stripe account's country when
    # linked, changed on the Edit form (paygate.domain.time_zones).
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    max_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # how long an emailed payment link stays valid (and keeps its request payable)
    pay_link_ttl: Mapped[int] = mapped_column(Integer, default=72 * 3600,
                                              server_default="259200")
    # how long a hold may stay uncaptured before paygate releases it (Stripe's own is 7 days)
    hold_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    # what a new request is when the clinician (or the API) does not say: automatic
    # (charge now) or manual (hold now, charge at the end)
    default_capture: Mapped[str] = mapped_column(String(16), default="automatic",
                                                 server_default="automatic")
    # Stripe's redirect-based methods (the patient leaves for the bank and comes back to
    # /pay/return); off: cards, wallets and Link only, which never leave the page
    redirect_methods: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    # When the host platform first said this clinic is `org_id`'s (a launch token naming
    # both, an operator). None: only an org admin's enablement request named it.
    vouched_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class StripeAccountLink(Base):
    """A clinic's connected Stripe account; one active link per clinic, history kept."""

    __tablename__ = "stripe_account_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    default_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    charges_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    linked_by: Mapped[str] = mapped_column(String(64), default="")
    linked_at: Mapped[datetime] = mapped_column(Timestamp)
    unlinked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    unlink_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    # Stripe's requirements on the account: space-separated requirement names.
    details_submitted: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    currently_due: Mapped[str] = mapped_column(Text, default="", server_default="")
    past_due: Mapped[str] = mapped_column(Text, default="", server_default="")
    disabled_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    current_deadline: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_by_paygate: Mapped[bool] = mapped_column(Boolean, default=False,
                                                     server_default="0")
    # Unix time of the Stripe state last stored (event `created`, or the read): an older
    # account.updated arriving late changes nothing.
    observed_at: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # When Stripe stopped accepting charges on the account after it had accepted them (its
    # admins are emailed once per such pause); cleared when charges are enabled again.
    paused_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class PaymentRequest(Base):
    __tablename__ = "payment_requests"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(64))
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"))
    call_id: Mapped[str] = mapped_column(String(128))
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(24), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    stripe_account_id: Mapped[str] = mapped_column(String(64))
    payment_intent_id: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                          unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(200), nullable=True)
    receipt_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    receipt_locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    card_brand: Mapped[str | None] = mapped_column(String(32), nullable=True)
    card_last4: Mapped[str | None] = mapped_column(String(4), nullable=True)
    failure_message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    amount_refunded: Mapped[int] = mapped_column(BigInteger, default=0)
    # "automatic" (charged when the patient pays) or "manual" (a hold the clinic captures)
    capture_method: Mapped[str] = mapped_column(String(16), default="automatic",
                                                server_default="automatic")
    amount_paid: Mapped[int | None] = mapped_column(BigInteger, nullable=True)  # captured
    # the platform's fee on this payment (Stripe's application_fee_amount), minor units
    application_fee_amount: Mapped[int] = mapped_column(BigInteger, default=0,
                                                        server_default="0")
    # what of it went back to the clinic with refunds (Stripe's fee_refunds), as read
    application_fee_refunded: Mapped[int] = mapped_column(BigInteger, default=0,
                                                          server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    paid_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    # the latest valid, unrevoked pay link's end; expires_at is kept at least this late
    pay_link_until: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)

    __table_args__ = (
        Index("ix_payment_requests_call", "org_id", "clinic_id", "call_id"),
        Index("ix_payment_requests_clinic_created", "clinic_id", "created_at"),
    )


class PayLink(Base):
    """A payment link emailed for a request: valid until expires_at unless revoked."""

    __tablename__ = "pay_links"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_request_id: Mapped[str] = mapped_column(
        ForeignKey("payment_requests.id"), index=True)
    sent_to: Mapped[str] = mapped_column(String(320))
    sent_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class PaymentRequestEvent(Base):
    """State history: who moved a payment request, to what, when and why."""

    __tablename__ = "payment_request_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    payment_request_id: Mapped[str] = mapped_column(
        ForeignKey("payment_requests.id"), index=True
    )
    from_status: Mapped[str | None] = mapped_column(String(24), nullable=True)
    to_status: Mapped[str] = mapped_column(String(24))
    actor_kind: Mapped[str] = mapped_column(String(16))  # user, stripe, system
    actor_id: Mapped[str] = mapped_column(String(64), default="")
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class WebhookEvent(Base):
    """Inbox: every verified Stripe event, stored before it is acknowledged."""

    __tablename__ = "webhook_events"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # Stripe's evt_ id
    type: Mapped[str] = mapped_column(String(100))
    account: Mapped[str | None] = mapped_column(String(64), nullable=True)
    livemode: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    processed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(64), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class OutboxEmail(Base):
    """Email outbox: queued in the same transaction as what caused it, sent by a worker."""

    __tablename__ = "outbox_emails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    to_addr: Mapped[str] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320), nullable=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    sent_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class Case(Base):
    """A service desk case: an enablement request, a payment inquiry, billing, other."""

    __tablename__ = "enablement_cases"  # its first kind; kept so no row moves
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="enablement",
                                      server_default="enablement")
    category: Mapped[str] = mapped_column(String(32), default="addon",
                                          server_default="addon")
    subject: Mapped[str | None] = mapped_column(String(200), nullable=True)
    priority: Mapped[str] = mapped_column(String(16), default="routine",
                                          server_default="routine")
    reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    payment_request_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tier: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    due_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True, index=True)
    first_answered_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    proposed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    reason: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(320))
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    requester_role: Mapped[str] = mapped_column(String(16))
    assignee_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    assignee_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    follows_up_id: Mapped[int | None] = mapped_column(
        ForeignKey("enablement_cases.id"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    resolved_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class CaseClinic(Base):
    __tablename__ = "case_clinics"
    case_id: Mapped[int] = mapped_column(ForeignKey("enablement_cases.id"), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_name: Mapped[str] = mapped_column(String(200), default="")


class CaseComment(Base):
    """The case thread: comments and history lines (status, assignment, priority,
    escalation), oldest first."""

    __tablename__ = "case_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("enablement_cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # comment, status, assignment, ...
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200))
    author_role: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(8), default="web", server_default="web")
    message_id: Mapped[str | None] = mapped_column(String(200), nullable=True)  # by email
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class CaseAttachment(Base):
    """A file on a case, kept in the database (never under a served path). One sent by
    email waits, unseen by anyone else, until its sender confirms it holds no PHI."""

    __tablename__ = "case_attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # None while it belongs to a case being filed (its preview): `draft` names that filing
    case_id: Mapped[int | None] = mapped_column(ForeignKey("enablement_cases.id"),
                                                index=True, nullable=True)
    draft: Mapped[str | None] = mapped_column(String(48), nullable=True, index=True)
    comment_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploader_id: Mapped[str] = mapped_column(String(64))
    uploader_name: Mapped[str] = mapped_column(String(200))
    uploader_email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    no_phi_confirmed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class DeskMember(Base):
    """An operator of the service desk: their department and escalation tier. Recorded
    at their first sign-in; an operator sets another's department and tier."""

    __tablename__ = "desk_members"
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    department: Mapped[str | None] = mapped_column(String(32), nullable=True)
    tier: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class UsedLaunchToken(Base):
    """Launch tokens are single use: the first exchange records its id."""

    __tablename__ = "used_launch_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, index=True)


class AuthSession(Base):
    """A session made from a launch token; admin cookies check it (revocable at logout)."""

    __tablename__ = "auth_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # api, admin, pay_link
    user_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    org_id: Mapped[str] = mapped_column(String(64))
    clinic_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    call_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    expires_at: Mapped[datetime] = mapped_column(Timestamp, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)



class Refund(Base):
    """A refund of a paid request: made in paygate (who, why) or learnt from Stripe.

    A paygate refund is recorded as pending before Stripe is asked, with its id as Stripe's
    idempotency key, so a retry never refunds twice and the amount it holds cannot be
    refunded again meanwhile. `note` stays in paygate: it is never sent to Stripe."""

    __tablename__ = "refunds"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_request_id: Mapped[str] = mapped_column(
        ForeignKey("payment_requests.id"), index=True
    )
    stripe_refund_id: Mapped[str | None] = mapped_column(String(64), nullable=True,
                                                         unique=True)
    attempt_key: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))  # pending, succeeded, failed
    source: Mapped[str] = mapped_column(String(16))  # paygate, stripe
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str] = mapped_column(String(64), default="")
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    stripe_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    succeeded_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class HostEventDelivery(Base):
    """A signed event for the host platform (Standard Webhooks), one per status change in
    the history it comes from (same id): delivered at least once, same webhook-id and body
    on every attempt. `status`: pending, delivered, dead (given up), skipped (not an event)."""

    __tablename__ = "host_event_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(48))
    payment_request_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(Timestamp)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    delivered_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class AdminContact(Base):
    """An admin paygate has seen sign in for a clinic (clinic_id "" for an org admin): whom
    to email about the clinic's account and disputes."""

    __tablename__ = "admin_contacts"
    org_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    clinic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320))
    seen_at: Mapped[datetime] = mapped_column(Timestamp)


class Dispute(Base):
    """A dispute of a paid request's charge, as Stripe last said (id: Stripe's dp_)."""

    __tablename__ = "disputes"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    payment_request_id: Mapped[str] = mapped_column(
        ForeignKey("payment_requests.id"), index=True)
    clinic_id: Mapped[str] = mapped_column(String(64), index=True)
    account_id: Mapped[str] = mapped_column(String(64))
    charge_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(64))
    evidence_due_by: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)
    livemode: Mapped[bool] = mapped_column(Boolean)
    # `created` of the event (or 0 for a read) whose state is kept: older ones change nothing
    observed_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    closed_at: Mapped[datetime | None] = mapped_column(Timestamp, nullable=True)


class ClinicReceiptProfile(Base):
    """What a clinic's receipts say about it (Client Payments > Edit > Receipts): the
    legal name, tax id (an ABN, or another country's with its label), whether it is
    registered for GST, and the address, phone and footer printed on every receipt."""

    __tablename__ = "clinic_receipt_profiles"
    clinic_id: Mapped[str] = mapped_column(ForeignKey("clinics.id"), primary_key=True)
    legal_name: Mapped[str] = mapped_column(String(200), default="")
    tax_id_kind: Mapped[str | None] = mapped_column(String(8), nullable=True)  # abn, other
    tax_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tax_id_label: Mapped[str | None] = mapped_column(String(30), nullable=True)
    gst_registered: Mapped[bool] = mapped_column(Boolean, default=False)
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    footer: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class ProviderNumber(Base):
    """A clinician's provider number at a clinic: from the launch token's
    `provider_number` claim (kept from the latest sign-in that had one), or set by a
    clinic admin, whose number wins."""

    __tablename__ = "provider_numbers"
    clinic_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    from_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    from_admin: Mapped[str | None] = mapped_column(String(32), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class PaymentReceiptDetail(Base):
    """What the receipt of one payment request claims: the date of service, the provider
    and their number as they were when it was requested, and its line items (JSON).
    Never sent to Stripe."""

    __tablename__ = "payment_receipt_details"
    payment_request_id: Mapped[str] = mapped_column(ForeignKey("payment_requests.id"),
                                                    primary_key=True)
    service_date: Mapped[date] = mapped_column(Date)
    provider_name: Mapped[str] = mapped_column(String(200), default="")
    provider_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    items: Mapped[str] = mapped_column(Text, default="[]")
    created_at: Mapped[datetime] = mapped_column(Timestamp)
