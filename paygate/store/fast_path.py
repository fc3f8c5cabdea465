"""The fast path: the storage of paygate's two hot paths. A payment webhook: the payment
request it concerns is read (with its clinic), the handler plans its move, and the move is
written with the event's record as one unit. A call socket's snapshot: one read of the
call's requests with their clinic.

Why two write paths. Everything else (clinicians' commands, refunds, the reconciler, card
details read from the API) writes a payment request through the ORM, in
`services.payments.ledger.RequestLedger`, with the row locked for the transaction. Webhooks
and snapshots run for every payment event and every socket (re)connect, and SQLAlchemy's
execution layer costs about 3x the driver per statement (docs/benchmarks.md), so they use
these Core statements instead, compiled once, on an asyncpg pool of their own on
PostgreSQL. The two paths share the moves, not the code that writes them: the ledger's
twins `apply_locked` / `apply_in_event` and `fill_card_locked` / `fill_card_in_event` each
take their move from the same pure planner (`domain.payment_moves`: `plan_intent_move`,
`plan_card`, `status_move`), and only write it, on the ORM row or through
`FastPathUnit.write`. So a change to a state transition is made once, in the planner or in
`domain.payment_requests`' table, and reaches both; tests/payments/test_write_paths.py runs
every transition through both paths and compares the rows they leave.

On PostgreSQL a webhook's unit is optimistic: no transaction is held across the handler,
and its writes land only if the request is unchanged since it was read (`RowChanged`
otherwise, and the caller redoes the unit). On SQLite the statements run through the
SQLAlchemy engine in one (immediate) transaction."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ClauseElement, Executable
from sqlalchemy.ext.asyncio import AsyncConnection

from paygate.store.database import Database, as_utc
from paygate.store.fast_path_statements import (
    EMAIL_COLUMNS,
    HISTORY_COLUMNS,
    REQUEST_COLUMNS,
    ROW_VERSION,
    RequestRow,
    Statements,
)

__all__ = ["EMAIL_COLUMNS", "HISTORY_COLUMNS", "FastPath", "FastPathUnit", "RequestRow",
           "RowChanged"]


class RowChanged(Exception):
    """The request changed between the unit's read and its write; nothing was written."""


def _row(found: Mapping[str, Any]) -> RequestRow:
    values = {c.name: found[c.name] for c in REQUEST_COLUMNS}
    for name in ("created_at", "updated_at", "expires_at", "paid_at", "pay_link_until"):
        if values[name] is not None:
            values[name] = as_utc(values[name])
    label = found["clinic_display_name"] or found["clinic_name"] or found["clinic_id"]
    return RequestRow(**values, clinic_name=label, clinic_reply_to=found["clinic_reply_to"],
                      clinic_time_zone=found["clinic_time_zone"])


def _prefixed(prefix: str, values: Mapping[str, Any]) -> dict[str, Any]:
    return {prefix + name: value for name, value in values.items()}


class FastPathUnit:
    """One unit of the hot path: reads, then writes recorded with the event. Here the
    statements run as they come, in the unit's transaction (SQLite)."""

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
        return await self._one(self._s.record_event,
                               self._event_values(event, payload, now, outcome)) is not None

    @staticmethod
    def _event_values(event: Mapping[str, Any], payload: bytes, now: datetime,
                      outcome: str | None) -> dict[str, Any]:
        return {"ev_id": event["id"], "ev_type": str(event.get("type", "")),
                "ev_account": event.get("account"),
                "ev_livemode": bool(event.get("livemode")),
                "ev_payload": payload.decode("utf-8"), "ev_received_at": now,
                "ev_processed_at": now if outcome is not None else None,
                "ev_outcome": outcome, "ev_attempts": 1 if outcome is not None else 0}

    async def mark_processed(self, event_id: str, outcome: str, now: datetime) -> None:
        await self._run(self._s.mark_processed,
                        {"event_id": event_id, "outcome": outcome, "now": now})

    async def request_by_intent(self, intent_id: str) -> RequestRow | None:
        """The request a PaymentIntent pays, with its clinic. This unit's writes to it
        land only if nothing else changed it meanwhile."""
        found = await self._one(self._s.by_intent, {"intent": intent_id})
        return None if found is None else _row(found)

    async def write(self, request_id: str, changes: dict[str, Any],
                    history: dict[str, Any] | None) -> None:
        """Set these columns of the request (WRITABLE), with a history entry
        (HISTORY_COLUMNS) for a status change."""
        await self._run(self._s.write(frozenset(changes)),
                        {**_prefixed("m_", changes), "request_id": request_id})
        if history is not None:
            await self._run(self._s.history, _prefixed("h_", history))

    async def queue_email(self, values: dict[str, Any]) -> None:
        """Queue an outbox email (EMAIL_COLUMNS), unless its dedupe key was queued."""
        await self._run(self._s.email, _prefixed("e_", values))

    async def account_known(self, account: str) -> bool:
        return await self._one(self._s.account_known, {"account": account}) is not None


class _SqlAlchemyTx(FastPathUnit):
    def __init__(self, statements: Statements, conn: AsyncConnection) -> None:
        super().__init__(statements)
        self._conn = conn

    async def _one(self, stmt: Executable, params: dict[str, Any]) -> Mapping[str, Any] | None:
        found = (await self._conn.execute(stmt, params)).mappings().first()
        return None if found is None else dict(found)

    async def _run(self, stmt: Executable, params: dict[str, Any]) -> None:
        await self._conn.execute(stmt, params)


class _AsyncpgUnit(FastPathUnit):
    """PostgreSQL, with no transaction held: reads run at once; the request's move and
    its receipt wait, and go with the event's record as one statement (Statements.unit)
    that lands only if the request is still the version read."""

    def __init__(self, statements: Statements, conn: Any, compiled: _Compiled) -> None:
        super().__init__(statements)
        self._conn = conn
        self._compiled = compiled
        self._versions: dict[str, int] = {}
        self._move: tuple[str, dict[str, Any], dict[str, Any] | None] | None = None
        self._email: dict[str, Any] | None = None

    async def _one(self, stmt: Executable, params: dict[str, Any]) -> Mapping[str, Any] | None:
        sql, args = self._compiled.bind(stmt, params)
        found = await self._conn.fetchrow(sql, *args)
        return None if found is None else dict(found)

    async def _run(self, stmt: Executable, params: dict[str, Any]) -> None:
        sql, args = self._compiled.bind(stmt, params)
        await self._conn.execute(sql, *args)

    async def request_by_intent(self, intent_id: str) -> RequestRow | None:
        found = await self._one(self._s.by_intent, {"intent": intent_id})
        if found is None:
            return None
        self._versions[found["id"]] = found[ROW_VERSION]
        return _row(found)

    async def write(self, request_id: str, changes: dict[str, Any],
                    history: dict[str, Any] | None) -> None:
        if self._move is not None or request_id not in self._versions:
            raise RuntimeError("one move per unit, of a request the unit read")
        self._move = (request_id, changes, history)

    async def queue_email(self, values: dict[str, Any]) -> None:
        if self._move is None or self._email is not None:
            raise RuntimeError("a unit queues one email, with its move")
        self._email = values

    async def record_event(self, event: Mapping[str, Any], payload: bytes, now: datetime,
                           outcome: str | None) -> bool:
        if self._move is None:
            return await super().record_event(event, payload, now, outcome)
        (request_id, changes, history), email = self._move, self._email
        self._move = self._email = None
        params = {**self._event_values(event, payload, now, outcome),
                  **_prefixed("m_", changes), **_prefixed("h_", history or {}),
                  **_prefixed("e_", email or {}), "request_id": request_id,
                  ROW_VERSION: self._versions[request_id]}
        found = await self._one(self._s.unit(frozenset(changes), history is not None,
                                             email is not None), params)
        assert found is not None  # a SELECT of counts: always one row
        if found["moved"]:
            return True  # moved (durably), so not applied before: announce it
        if found["processed_before"]:
            return False
        raise RowChanged(f"payment request {request_id} changed while an event was applied")

    def unsent(self) -> bool:
        return self._move is not None


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
        """This pool's connections hold no session state (no LISTEN, advisory lock, SET
        or open transaction: every statement commits on its own), so the reset asyncpg
        runs on each release, one more round trip per webhook, is skipped."""

        def get_reset_query(self) -> str:
            return ""

    return NoResetConnection


class FastPath:
    """Opens hot-path units on the database `paygate` runs on."""

    def __init__(self, db: Database, *, pool_size: int = 10) -> None:
        self._db = db
        self._pg = db.engine.dialect.name == "postgresql"
        self._statements = Statements(db.engine.dialect.name)
        self._pool_size = pool_size
        self._pool: Any = None
        self._pool_lock = asyncio.Lock()
        self._compiled = _Compiled()

    @asynccontextmanager
    async def unit(self) -> AsyncIterator[FastPathUnit]:
        if not self._pg:
            async with self._db.engine.begin() as conn:
                yield _SqlAlchemyTx(self._statements, conn)
            return
        pool = await self._asyncpg_pool()
        async with pool.acquire() as conn:
            unit = _AsyncpgUnit(self._statements, conn, self._compiled)
            yield unit
            if unit.unsent():  # a handler that writes must end with record_event
                raise RuntimeError("a hot-path unit ended with its writes unsent")

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
