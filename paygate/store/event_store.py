"""The hot paths' storage. A payment webhook: one transaction that locks the payment
request it concerns (with its clinic), writes the move and records the event. A call
socket's snapshot: one read of the call's requests with their clinic.

The statements are SQLAlchemy Core, built once. On PostgreSQL they are compiled once to
asyncpg's SQL and run on a small asyncpg pool of their own: SQLAlchemy's execution layer
costs about 3x the driver per statement, and these paths run for every payment event
and every socket (re)connect (see docs/benchmarks.md). Elsewhere (SQLite) they run
through the SQLAlchemy engine."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ClauseElement, Executable, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from paygate.store.database import Database, as_utc
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
WRITABLE = frozenset({"status", "version", "updated_at", "paid_at", "card_brand",
                      "card_last4", "failure_message"})


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
    version: int
    created_at: datetime
    updated_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    clinic_name: str
    clinic_reply_to: str | None


_REQUEST_COLUMNS = [c for c in PaymentRequest.__table__.columns
                    if c.name in RequestRow.__dataclass_fields__]


def _row(found: Mapping[str, Any]) -> RequestRow:
    values = {c.name: found[c.name] for c in _REQUEST_COLUMNS}
    for name in ("created_at", "updated_at", "expires_at", "paid_at"):
        if values[name] is not None:
            values[name] = as_utc(values[name])
    label = found["clinic_display_name"] or found["clinic_name"] or found["clinic_id"]
    return RequestRow(**values, clinic_name=label, clinic_reply_to=found["clinic_reply_to"])


class Statements:
    def __init__(self, dialect: str, lock_rows: bool) -> None:
        upsert: Any = postgresql.insert if dialect == "postgresql" else _sqlite_insert()
        self.store_event = upsert(WebhookEvent).values(
            id=bindparam("id"), type=bindparam("type"), account=bindparam("account"),
            livemode=bindparam("livemode"), payload=bindparam("payload"),
            received_at=bindparam("now"), attempts=0,
        ).on_conflict_do_nothing(index_elements=["id"]).returning(WebhookEvent.id)
        # The hot path records the event last, in the transaction that applied it: stored
        # processed (or pending a Stripe read); nothing when it was processed before.
        record = upsert(WebhookEvent).values(
            id=bindparam("id"), type=bindparam("type"), account=bindparam("account"),
            livemode=bindparam("livemode"), payload=bindparam("payload"),
            received_at=bindparam("now"), processed_at=bindparam("processed_at"),
            outcome=bindparam("outcome"), attempts=bindparam("attempts"))
        self.record_event = record.on_conflict_do_update(
            index_elements=["id"], set_={
                "processed_at": record.excluded.processed_at,
                "outcome": record.excluded.outcome, "last_error": None,
                "attempts": WebhookEvent.attempts + record.excluded.attempts},
            where=WebhookEvent.processed_at.is_(None)).returning(WebhookEvent.id)
        self.processed_at = select(WebhookEvent.processed_at).where(
            WebhookEvent.id == bindparam("id"))
        self.mark_processed = update(WebhookEvent).where(
            WebhookEvent.id == bindparam("event_id")).values(
            attempts=WebhookEvent.attempts + 1, processed_at=bindparam("now"),
            outcome=bindparam("outcome"), last_error=None)
        by_intent = select(*_REQUEST_COLUMNS, Clinic.display_name.label("clinic_display_name"),
                           Clinic.name.label("clinic_name"),
                           Clinic.reply_to.label("clinic_reply_to")).join(
            Clinic, Clinic.id == PaymentRequest.clinic_id).where(
            PaymentRequest.payment_intent_id == bindparam("intent"))
        self.lock_by_intent = by_intent.with_for_update(of=PaymentRequest) if lock_rows \
            else by_intent
        self.history = insert(PaymentRequestEvent).values(
            {name: bindparam(name) for name in HISTORY_COLUMNS})
        self.email = upsert(OutboxEmail).values(
            {name: bindparam(name) for name in EMAIL_COLUMNS},
        ).on_conflict_do_nothing().returning(OutboxEmail.id)
        self._writes: dict[frozenset[str], Executable] = {}
        self._moves: dict[frozenset[str], Executable] = {}
        self.one_statement_moves = dialect == "postgresql"
        self._by_call: dict[int, Executable] = {}
        self.account_known = select(StripeAccountLink.id).where(
            StripeAccountLink.account_id == bindparam("account")).limit(1)

    def by_call(self, limit: int) -> Executable:
        """A call's requests, newest first, each with its clinic (a socket's snapshot)."""
        stmt = self._by_call.get(limit)
        if stmt is None:
            stmt = self._by_call[limit] = select(
                *_REQUEST_COLUMNS, Clinic.display_name.label("clinic_display_name"),
                Clinic.name.label("clinic_name"), Clinic.reply_to.label("clinic_reply_to"),
            ).join(Clinic, Clinic.id == PaymentRequest.clinic_id).where(
                PaymentRequest.org_id == bindparam("org_id"),
                PaymentRequest.clinic_id == bindparam("clinic_id"),
                PaymentRequest.call_id == bindparam("call_id"),
            ).order_by(PaymentRequest.created_at.desc(), PaymentRequest.id).limit(limit)
        return stmt

    def move(self, columns: frozenset[str]) -> Executable:
        """PostgreSQL: the UPDATE and its history INSERT as one statement (a writable CTE),
        one round trip fewer per status change."""
        stmt = self._moves.get(columns)
        if stmt is None:
            moved = cast(Any, self.write(columns)).cte("moved")
            stmt = self._moves[columns] = cast(Any, self.history).add_cte(moved)
        return stmt

    def write(self, columns: frozenset[str]) -> Executable:
        """The UPDATE of these columns (one statement per set of columns, kept)."""
        stmt = self._writes.get(columns)
        if stmt is None:
            if columns - WRITABLE:
                raise ValueError(f"not a hot-path column: {sorted(columns - WRITABLE)}")
            stmt = self._writes[columns] = update(PaymentRequest).where(
                PaymentRequest.id == bindparam("request_id")).values(
                {name: bindparam(name) for name in sorted(columns)})
        return stmt


def _sqlite_insert() -> Any:
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


class EventTx:
    """One open transaction of the hot path. Subclasses run the statements."""

    def __init__(self, statements: Statements) -> None:
        self._s = statements

    async def _one(self, stmt: Executable, params: dict[str, Any]) -> Mapping[str, Any] | None:
        raise NotImplementedError

    async def _run(self, stmt: Executable, params: dict[str, Any]) -> None:
        raise NotImplementedError

    async def store_event(self, event: Mapping[str, Any], payload: bytes,
                          now: datetime) -> str:
        """"new", "pending" (stored before, not processed) or "done"."""
        if await self._one(self._s.store_event, {
                "id": event["id"], "type": str(event.get("type", "")),
                "account": event.get("account"), "livemode": bool(event.get("livemode")),
                "payload": payload.decode("utf-8"), "now": now}) is not None:
            return "new"
        found = await self._one(self._s.processed_at, {"id": event["id"]})
        return "done" if found is not None and found["processed_at"] is not None \
            else "pending"

    async def record_event(self, event: Mapping[str, Any], payload: bytes, now: datetime,
                           outcome: str | None) -> bool:
        """Store the event as processed with `outcome` (None: stored, still pending); False,
        writing nothing, if it was processed before (a duplicate)."""
        return await self._one(self._s.record_event, {
            "id": event["id"], "type": str(event.get("type", "")),
            "account": event.get("account"), "livemode": bool(event.get("livemode")),
            "payload": payload.decode("utf-8"), "now": now,
            "processed_at": now if outcome is not None else None, "outcome": outcome,
            "attempts": 1 if outcome is not None else 0}) is not None

    async def mark_processed(self, event_id: str, outcome: str, now: datetime) -> None:
        await self._run(self._s.mark_processed,
                        {"event_id": event_id, "outcome": outcome, "now": now})

    async def lock_by_intent(self, intent_id: str) -> RequestRow | None:
        found = await self._one(self._s.lock_by_intent, {"intent": intent_id})
        return None if found is None else _row(found)

    async def write(self, request_id: str, changes: dict[str, Any],
                    history: dict[str, Any] | None) -> None:
        columns = frozenset(changes)
        if history is not None and self._s.one_statement_moves:
            await self._run(self._s.move(columns), {**changes, **history,
                                                    "request_id": request_id})
            return
        await self._run(self._s.write(columns), {**changes, "request_id": request_id})
        if history is not None:
            await self._run(self._s.history, history)

    async def queue_email(self, values: dict[str, Any]) -> bool:
        """Insert an outbox_emails row (EMAIL_COLUMNS); False if its key was queued."""
        return await self._one(self._s.email, values) is not None

    async def account_known(self, account: str) -> bool:
        return await self._one(self._s.account_known, {"account": account}) is not None


class _SqlAlchemyTx(EventTx):
    def __init__(self, statements: Statements, conn: AsyncConnection) -> None:
        super().__init__(statements)
        self._conn = conn

    async def _one(self, stmt: Executable, params: dict[str, Any]) -> Mapping[str, Any] | None:
        found = (await self._conn.execute(stmt, params)).mappings().first()
        return None if found is None else dict(found)

    async def _run(self, stmt: Executable, params: dict[str, Any]) -> None:
        await self._conn.execute(stmt, params)


class _AsyncpgTx(EventTx):
    def __init__(self, statements: Statements, conn: Any, compiled: _Compiled) -> None:
        super().__init__(statements)
        self._conn = conn
        self._compiled = compiled

    async def _one(self, stmt: Executable, params: dict[str, Any]) -> Mapping[str, Any] | None:
        sql, args = self._compiled.bind(stmt, params)
        found = await self._conn.fetchrow(sql, *args)
        return None if found is None else dict(found)

    async def _run(self, stmt: Executable, params: dict[str, Any]) -> None:
        sql, args = self._compiled.bind(stmt, params)
        await self._conn.execute(sql, *args)


class _Compiled:
    """Each Core statement compiled once to asyncpg's $n SQL, with its parameter order."""

    def __init__(self) -> None:
        from sqlalchemy.dialects.postgresql.asyncpg import dialect

        self._dialect = dialect(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]
        self._cache: dict[int, tuple[str, list[str], dict[str, Any]]] = {}

    def bind(self, stmt: Executable, params: dict[str, Any]) -> tuple[str, list[Any]]:
        cached = self._cache.get(id(stmt))  # statements live as long as the store
        if cached is None:
            compiled = cast(ClauseElement, stmt).compile(dialect=self._dialect)
            names = list(getattr(compiled, "positiontup", None) or [])
            cached = self._cache[id(stmt)] = (str(compiled), names, compiled.params)
        sql, names, literals = cached  # literals: values written into the statement
        return sql, [params[n] if n in params else literals[n] for n in names]


def _no_reset_connection_class() -> Any:
    import asyncpg  # type: ignore[import-untyped]

    class NoResetConnection(asyncpg.Connection):  # type: ignore[misc]
        """This pool's connections hold no session state (no LISTEN, advisory lock or
        SET; every transaction is closed by its context manager), so the reset asyncpg
        runs on each release, one more round trip per webhook, is skipped."""

        def get_reset_query(self) -> str:
            return ""

    return NoResetConnection


class EventStore:
    """Opens hot-path transactions on the database `paygate` runs on."""

    def __init__(self, db: Database, *, pool_size: int = 10) -> None:
        self._db = db
        self._pg = db.engine.dialect.name == "postgresql"
        self._statements = Statements(db.engine.dialect.name, lock_rows=self._pg)
        self._pool_size = pool_size
        self._pool: Any = None
        self._pool_lock = asyncio.Lock()
        self._compiled = _Compiled()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[EventTx]:
        if not self._pg:
            async with self._db.engine.begin() as conn:
                yield _SqlAlchemyTx(self._statements, conn)
            return
        pool = await self._asyncpg_pool()
        async with pool.acquire() as conn, conn.transaction():
            yield _AsyncpgTx(self._statements, conn, self._compiled)

    async def read_call(self, org_id: str, clinic_id: str, call_id: str,
                        limit: int) -> list[RequestRow]:
        """A call's requests as its sockets' snapshot shows them: one statement, no
        transaction, on the same connections as the webhooks."""
        stmt = self._statements.by_call(limit)
        params = {"org_id": org_id, "clinic_id": clinic_id, "call_id": call_id}
        if not self._pg:
            async with self._db.engine.connect() as conn:
                found: list[Any] = list((await conn.execute(stmt, params)).mappings().all())
        else:
            pool = await self._asyncpg_pool()
            sql, args = self._compiled.bind(stmt, params)
            async with pool.acquire() as conn:
                found = await conn.fetch(sql, *args)
        return [_row(row) for row in found]

    async def _asyncpg_pool(self) -> Any:
        if self._pool is not None:
            return self._pool
        async with self._pool_lock:  # the first webhooks may arrive together
            if self._pool is not None:
                return self._pool
            import asyncpg

            url = self._db.engine.url.set(drivername="postgresql")
            self._pool = await asyncpg.create_pool(
                url.render_as_string(hide_password=False), min_size=1,
                max_size=self._pool_size, connection_class=_no_reset_connection_class())
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
