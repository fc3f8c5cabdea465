"""The hot paths' statements: SQLAlchemy Core, built once per shape and kept.

On PostgreSQL a payment webhook's writes (the request's new columns, its history entry,
the receipt in the outbox and the event's own record) go as one statement of writable
CTEs, each gated on the request's UPDATE, which only matches the row version (`xmin`)
the handler read: either everything lands or nothing does. That statement's commit is
durable (it waits for the WAL flush), so a webhook costs two transactions: the request's
read and this unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Executable,
    Select,
    String,
    Text,
    bindparam,
    exists,
    func,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.elements import ColumnElement

from paygate.store.models import (
    Clinic,
    OutboxEmail,
    PaymentRequest,
    PaymentRequestEvent,
    StripeAccountLink,
    WebhookEvent,
)

HISTORY_COLUMNS = ("payment_request_id", "from_status", "to_status", "actor_kind", "actor_id",
                   "actor_name", "detail", "created_at")
EMAIL_COLUMNS = ("dedupe_key", "message_id", "kind", "clinic_id", "to_addr", "reply_to",
                 "subject", "text_body", "html_body", "status", "attempts", "next_attempt_at",
                 "created_at")
EVENT_COLUMNS = ("id", "type", "account", "livemode", "payload", "received_at",
                 "processed_at", "outcome", "attempts")
WRITABLE = frozenset({"status", "version", "updated_at", "paid_at", "card_brand",
                      "card_last4", "failure_message", "amount_paid",
                      "application_fee_amount"})  # a hold's, set at capture
ROW_VERSION = "row_version"  # PostgreSQL's xmin: changes with every write of the row


@dataclass(frozen=True)
class RequestRow:
    """A payment request as the hot path reads it, with its clinic's name and reply-to."""

    id: str
    org_id: str
    clinic_id: str
    call_id: str
    reference: str
    amount: int
    currency: str
    description: str
    status: str
    requested_by_name: str
    stripe_account_id: str
    receipt_email: str | None
    receipt_locale: str | None
    card_brand: str | None
    card_last4: str | None
    failure_message: str | None
    amount_refunded: int
    capture_method: str
    amount_paid: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    pay_link_until: datetime | None
    clinic_name: str
    clinic_reply_to: str | None
    clinic_time_zone: str | None


REQUEST_COLUMNS = [c for c in PaymentRequest.__table__.columns
                   if c.name in RequestRow.__dataclass_fields__]


def _with_clinic(*extra: Any) -> Select[Any]:
    return select(*REQUEST_COLUMNS, *extra, Clinic.display_name.label("clinic_display_name"),
                  Clinic.name.label("clinic_name"),
                  Clinic.reply_to.label("clinic_reply_to"),
                  Clinic.time_zone.label("clinic_time_zone")).join(
        Clinic, Clinic.id == PaymentRequest.clinic_id)


def _values(table: Any, names: tuple[str, ...], prefix: str) -> Select[Any]:
    """One row of parameters typed as `table`'s columns, for INSERT ... SELECT. Strings
    are sent as text: the INSERT's own (assignment) cast refuses an over-long value, where
    an explicit cast to varchar(n) would cut it."""
    def typed(name: str) -> ColumnElement[Any]:
        kind = table.c[name].type
        return sql_cast(bindparam(prefix + name), Text() if isinstance(kind, String) else kind
                        ).label(name)
    return select(*[typed(name) for name in names])


def _event_upsert(insert_: Any) -> Any:
    """The event recorded as processed (or still pending), unless processed before."""
    return insert_.on_conflict_do_update(
        index_elements=["id"], set_={
            "processed_at": insert_.excluded.processed_at,
            "outcome": insert_.excluded.outcome, "last_error": None,
            "attempts": WebhookEvent.attempts + insert_.excluded.attempts},
        where=WebhookEvent.processed_at.is_(None)).returning(WebhookEvent.id)


class Statements:
    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        upsert: Any = postgresql.insert if self.postgres else _sqlite_insert()
        self.store_event = upsert(WebhookEvent).values(
            id=bindparam("id"), type=bindparam("type"), account=bindparam("account"),
            livemode=bindparam("livemode"), payload=bindparam("payload"),
            received_at=bindparam("now"), attempts=0,
        ).on_conflict_do_nothing(index_elements=["id"]).returning(WebhookEvent.id)
        self.record_event = _event_upsert(upsert(WebhookEvent).values(
            {name: bindparam("ev_" + name) for name in EVENT_COLUMNS}))
        self.processed_at = select(WebhookEvent.processed_at).where(
            WebhookEvent.id == bindparam("id"))
        self.mark_processed = update(WebhookEvent).where(
            WebhookEvent.id == bindparam("event_id")).values(
            attempts=WebhookEvent.attempts + 1, processed_at=bindparam("now"),
            outcome=bindparam("outcome"), last_error=None)
        self.by_intent = (_with_clinic(literal_column("payment_requests.xmin").label(
            ROW_VERSION)) if self.postgres else _with_clinic()).where(
            PaymentRequest.payment_intent_id == bindparam("intent"))
        self.history = insert(PaymentRequestEvent).values(
            {name: bindparam("h_" + name) for name in HISTORY_COLUMNS})
        self.email = upsert(OutboxEmail).values(
            {name: bindparam("e_" + name) for name in EMAIL_COLUMNS},
        ).on_conflict_do_nothing().returning(OutboxEmail.id)
        self.account_known = select(StripeAccountLink.id).where(
            StripeAccountLink.account_id == bindparam("account")).limit(1)
        self._writes: dict[frozenset[str], Executable] = {}
        self._units: dict[tuple[frozenset[str], bool, bool], Executable] = {}
        self._by_call: dict[int, Executable] = {}

    def by_call(self, limit: int) -> Executable:
        """A call's requests, newest first, each with its clinic (a socket's snapshot)."""
        stmt = self._by_call.get(limit)
        if stmt is None:
            stmt = self._by_call[limit] = _with_clinic().where(
                PaymentRequest.org_id == bindparam("org_id"),
                PaymentRequest.clinic_id == bindparam("clinic_id"),
                PaymentRequest.call_id == bindparam("call_id"),
            ).order_by(PaymentRequest.created_at.desc(), PaymentRequest.id).limit(limit)
        return stmt

    def write(self, columns: frozenset[str]) -> Executable:
        """The UPDATE of these columns (one statement per set of columns, kept)."""
        stmt = self._writes.get(columns)
        if stmt is None:
            _check_writable(columns)
            stmt = self._writes[columns] = update(PaymentRequest).where(
                PaymentRequest.id == bindparam("request_id")).values(
                {name: bindparam("m_" + name) for name in sorted(columns)})
        return stmt

    def unit(self, columns: frozenset[str], history: bool, email: bool) -> Executable:
        """PostgreSQL: the request's UPDATE (only if its row is still the version read and
        the event was not processed before) and, gated on it, the history entry, the
        receipt and the event's record, as one statement. It answers how many requests
        moved, whether the event was recorded, and whether it had been processed before."""
        key = (columns, history, email)
        stmt = self._units.get(key)
        if stmt is None:
            _check_writable(columns)
            stmt = self._units[key] = _unit(columns, history, email)
        return stmt


def _check_writable(columns: frozenset[str]) -> None:
    if columns - WRITABLE:
        raise ValueError(f"not a hot-path column: {sorted(columns - WRITABLE)}")


def _unit(columns: frozenset[str], history: bool, email: bool) -> Executable:
    processed = exists().where(WebhookEvent.id == bindparam("ev_id"),
                               WebhookEvent.processed_at.is_not(None))
    moved = update(PaymentRequest).where(
        PaymentRequest.id == bindparam("request_id"),
        literal_column("payment_requests.xmin") == bindparam(ROW_VERSION), ~processed,
    ).values({name: bindparam("m_" + name) for name in sorted(columns)}).returning(
        PaymentRequest.id).cte("moved")
    gate = exists(select(moved.c.id))
    ctes = [moved]
    if history:
        ctes.append(insert(PaymentRequestEvent).from_select(
            HISTORY_COLUMNS, _values(PaymentRequestEvent.__table__, HISTORY_COLUMNS, "h_")
            .where(gate)).returning(PaymentRequestEvent.id).cte("history"))
    if email:
        ctes.append(postgresql.insert(OutboxEmail).from_select(
            EMAIL_COLUMNS, _values(OutboxEmail.__table__, EMAIL_COLUMNS, "e_").where(gate))
            .on_conflict_do_nothing().returning(OutboxEmail.id).cte("email"))
    recorded = _event_upsert(postgresql.insert(WebhookEvent).from_select(
        EVENT_COLUMNS, _values(WebhookEvent.__table__, EVENT_COLUMNS, "ev_").where(gate))
    ).cte("recorded")
    ctes.append(recorded)

    def count(cte: Any) -> Any:
        return select(func.count()).select_from(cte).scalar_subquery()

    # A durable commit: the notice goes out once the writes are on disk, and the webhook
    # needs no second, synchronous commit before Stripe is answered (issue 23: two
    # transactions per webhook; the flush costs the notice ~0.25 ms here).
    stmt = select(count(moved).label("moved"), count(recorded).label("recorded"),
                  processed.label("processed_before"))
    for cte in ctes:
        stmt = stmt.add_cte(cte)
    return cast(Executable, stmt)


def _sqlite_insert() -> Any:
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
