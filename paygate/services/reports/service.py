"""Payment reports: one clinic's (or an organisation's) payment requests, filtered, with
totals per day, per clinician and per clinic. (issue 8)

Rules kept here:
- Totals are per currency; amounts of different currencies are never added up.
- Totals count settled requests (paid, partially refunded, refunded): gross is what was
  paid, refunded is `amount_refunded`, net is the difference.
- A request's report date is when it was paid, or when it was requested if it was never
  paid; days are UTC days (paygate does not know a clinic's time zone).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, and_, cast, func, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from paygate.domain.errors import Forbidden, InvalidInput, NotFound
from paygate.domain.money import Money
from paygate.domain.payment_requests import SETTLED, Status
from paygate.domain.principals import ADMIN_ROLES, Principal, Role
from paygate.services.reports.disputes import (
    DisputeCells,
    DisputeTotals,
    dispute_cells,
    dispute_totals,
)
from paygate.services.reports.holds import HoldTotals, hold_totals
from paygate.store.database import Database, as_utc
from paygate.store.models import Clinic, PaymentRequest

TABLE_LIMIT = 500      # rows listed on the page; the CSV has every row
CSV_BATCH = 1000
DEFAULT_DAYS = 30      # a report opened without filters shows the last 30 days
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)
SETTLED_FILTER = "settled"
STATUS_FILTERS = (SETTLED_FILTER, *(s.value for s in Status))
_SETTLED = tuple(s.value for s in SETTLED)
NO_DISPUTE = DisputeCells()
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# The report date of a request: paid_at when paid, else created_at.
WHEN = func.coalesce(PaymentRequest.paid_at, PaymentRequest.created_at)


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None
    date_to: date | None = None
    clinician: str | None = None   # requested_by (a user id)
    status: str | None = None      # a Status value or "settled"

    def query(self) -> dict[str, str]:
        """The filter as query parameters (what the form sends)."""
        return {"from": self.date_from.isoformat() if self.date_from else "",
                "to": self.date_to.isoformat() if self.date_to else "",
                "clinician": self.clinician or "", "status": self.status or ""}


def default_filter(today: date) -> ReportFilter:
    return ReportFilter(date_from=today - timedelta(days=DEFAULT_DAYS - 1), date_to=today)


def parse_filter(params: Mapping[str, str]) -> ReportFilter:
    """The filter from query parameters; InvalidInput (with the field) on bad input."""
    date_from = _parse_day(params.get("from", ""), "from", "start")
    date_to = _parse_day(params.get("to", ""), "to", "end")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("The start date is after the end date; pick a start date on or "
                           "before the end date.", field="from")
    clinician = params.get("clinician", "").strip()
    if len(clinician) > 64:
        raise InvalidInput("Pick a clinician from the list.", field="clinician")
    status = params.get("status", "").strip()
    if status and status not in STATUS_FILTERS:
        raise InvalidInput(f"There is no payment status {status[:40]!r}; pick one from the "
                           "list.", field="status")
    return ReportFilter(date_from, date_to, clinician or None, status or None)


def _parse_day(text: str, field_name: str, which: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    example = f"Enter the {which} date as YYYY-MM-DD, for example 2024-05-31."
    if not _ISO_DAY.match(text):
        raise InvalidInput(example, field=field_name)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text} is not a date. {example}", field=field_name) from None
    if not EARLIEST <= day <= LATEST:
        raise InvalidInput(f"The {which} date must be between {EARLIEST} and {LATEST}.",
                           field=field_name)
    return day


@dataclass(frozen=True)
class ReportScope:
    """What a report covers: one clinic, an organisation's clinics, or every clinic."""

    kind: str                       # clinic, org, all
    clinic: Clinic | None
    org_id: str | None
    clinic_names: Mapping[str, str]  # clinic id -> name, every clinic in scope

    @property
    def slug(self) -> str:
        """A file-name-safe name for the scope."""
        raw = self.clinic.id if self.clinic else (self.org_id or "all-clinics")
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", raw)[:64] or "report"


@dataclass(frozen=True)
class Totals:
    key: str        # the day (ISO), the clinician's id, the clinic's id, or "" overall
    label: str
    currency: str
    count: int
    gross: int
    refunded: int
    fee: int = 0    # the platform's fee kept: application_fee_amount less what refunds
                    # gave back to the clinic

    @property
    def net(self) -> int:
        return self.gross - self.refunded - self.fee

    @property
    def gross_money(self) -> Money:
        return Money(self.gross, self.currency)

    @property
    def refunded_money(self) -> Money:
        return Money(self.refunded, self.currency)

    @property
    def net_money(self) -> Money:
        return Money(self.net, self.currency)


@dataclass(frozen=True)
class Report:
    scope: ReportScope
    filter: ReportFilter
    rows: Sequence[PaymentRequest]   # newest first, at most TABLE_LIMIT
    matched: int                     # rows matching the filter, listed or not
    status_counts: Mapping[str, int]
    overall: Sequence[Totals]
    by_day: Sequence[Totals]         # oldest day first
    by_clinician: Sequence[Totals]
    by_clinic: Sequence[Totals]
    clinicians: Sequence[tuple[str, str]]   # (id, name) of everyone in the scope's data
    disputes: Sequence[DisputeTotals] = ()  # of the paid requests, per currency
    holds: Sequence[HoldTotals] = ()        # card holds among the requests, per currency

    @property
    def truncated(self) -> bool:
        return self.matched > len(self.rows)


def report_date(row: PaymentRequest) -> datetime:
    return as_utc(row.paid_at or row.created_at)


class ReportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- scopes (who may see what) -----------------------------------------------------
    async def clinic_scope(self, who: Principal, clinic_id: str) -> ReportScope:
        _require_admin(who)
        async with self._db.sessions() as tx:
            clinic = await tx.get(Clinic, clinic_id)
        if clinic is None:
            if who.role in (Role.OPERATOR, Role.ORG_ADMIN):
                raise NotFound(f"paygate does not know a clinic {clinic_id!r}.")
            raise Forbidden("You cannot see this clinic's reports.")
        if not who.can_admin_clinic(clinic.org_id, clinic.id):
            raise Forbidden("You cannot see this clinic's reports.")
        return ReportScope("clinic", clinic, clinic.org_id,
                           {clinic.id: clinic.display_name or clinic.name or clinic.id})

    async def wide_scope(self, who: Principal) -> ReportScope:
        """Org admins: every clinic of their organisation; operators: every clinic."""
        if who.role not in (Role.ORG_ADMIN, Role.OPERATOR):
            raise Forbidden("Reports across clinics are for organisation admins and "
                            "operators.")
        query = select(Clinic).order_by(Clinic.name, Clinic.id)
        org_id = who.org_id if who.role is Role.ORG_ADMIN else None
        if org_id is not None:
            query = query.where(Clinic.org_id == org_id)
        async with self._db.sessions() as tx:
            clinics = (await tx.scalars(query)).all()
        names = {c.id: c.display_name or c.name or c.id for c in clinics}
        return ReportScope("org" if org_id else "all", None, org_id, names)

    # -- the report --------------------------------------------------------------------
    async def build(self, scope: ReportScope, filt: ReportFilter) -> Report:
        where = _conditions(scope, filt)
        settled = [*where, PaymentRequest.status.in_(_SETTLED)]
        async with self._db.sessions() as tx:
            rows = (await tx.scalars(
                select(PaymentRequest).where(*where)
                .order_by(WHEN.desc(), PaymentRequest.id.desc()).limit(TABLE_LIMIT))).all()
            status_counts = {str(status): int(n) for status, n in (await tx.execute(
                select(PaymentRequest.status, func.count()).where(*where)
                .group_by(PaymentRequest.status))).all()}
            by_day = await _totals(tx, settled, _utc_day(self._db.engine.dialect.name))
            by_clinician = await _totals(tx, settled, PaymentRequest.requested_by,
                                         func.max(PaymentRequest.requested_by_name))
            by_clinic = await _totals(tx, settled, PaymentRequest.clinic_id)
            overall = await _totals(tx, settled)
            clinicians = await self._clinicians(tx, scope)
            disputes = await dispute_totals(tx, settled)
            holds = await hold_totals(tx, where)
        by_clinic = [_relabel(t, scope.clinic_names.get(t.key, t.key)) for t in by_clinic]
        return Report(
            scope=scope, filter=filt, rows=rows, matched=sum(status_counts.values()),
            status_counts=status_counts,
            overall=sorted(overall, key=lambda t: (-t.count, t.currency)),
            by_day=sorted(by_day, key=lambda t: (t.key, t.currency)),
            by_clinician=sorted(by_clinician, key=lambda t: (t.label.lower(), t.currency)),
            by_clinic=sorted(by_clinic, key=lambda t: (t.label.lower(), t.currency)),
            clinicians=clinicians, disputes=disputes, holds=holds)

    async def rows_for_export(self, scope: ReportScope, filt: ReportFilter
                              ) -> AsyncIterator[tuple[PaymentRequest, DisputeCells]]:
        """Every matching row (with its disputes), oldest first, read in batches (no cap,
        bounded memory)."""
        where = _conditions(scope, filt)
        after: tuple[datetime, str] | None = None
        while True:
            query = select(PaymentRequest, WHEN).where(*where)
            if after is not None:
                query = query.where(or_(WHEN > after[0],
                                        and_(WHEN == after[0], PaymentRequest.id > after[1])))
            async with self._db.sessions() as tx:
                batch = (await tx.execute(query.order_by(WHEN, PaymentRequest.id)
                                          .limit(CSV_BATCH))).all()
                cells = await dispute_cells(tx, [row.id for row, _ in batch])
            for row, _ in batch:
                yield row, cells.get(row.id, NO_DISPUTE)
            if len(batch) < CSV_BATCH:
                return
            after = (batch[-1][1], batch[-1][0].id)

    @staticmethod
    async def _clinicians(tx: AsyncSession, scope: ReportScope) -> list[tuple[str, str]]:
        name = func.max(PaymentRequest.requested_by_name)
        found = (await tx.execute(
            select(PaymentRequest.requested_by, name)
            .where(*_scope_conditions(scope)).group_by(PaymentRequest.requested_by)
            .order_by(name).limit(TABLE_LIMIT))).all()
        return [(str(user), str(label or user)) for user, label in found]


def _require_admin(who: Principal) -> None:
    if who.role not in ADMIN_ROLES:
        raise Forbidden("Reports are for clinic admins, organisation admins and operators.")


def _scope_conditions(scope: ReportScope) -> list[ColumnElement[bool]]:
    if scope.clinic is not None:
        return [PaymentRequest.clinic_id == scope.clinic.id]
    if scope.org_id is not None:
        return [PaymentRequest.clinic_id.in_(
            select(Clinic.id).where(Clinic.org_id == scope.org_id))]
    return []


def _conditions(scope: ReportScope, filt: ReportFilter) -> list[ColumnElement[bool]]:
    where = _scope_conditions(scope)
    if filt.date_from is not None:
        where.append(WHEN >= datetime.combine(filt.date_from, time(), UTC))
    if filt.date_to is not None:
        end = datetime.combine(filt.date_to + timedelta(days=1), time(), UTC)
        # created_at <= report date, so this bound is implied; it lets the index help.
        where += [WHEN < end, PaymentRequest.created_at < end]
    if filt.clinician:
        where.append(PaymentRequest.requested_by == filt.clinician)
    if filt.status == SETTLED_FILTER:
        where.append(PaymentRequest.status.in_(_SETTLED))
    elif filt.status:
        where.append(PaymentRequest.status == filt.status)
    return where


def _utc_day(dialect: str) -> ColumnElement[Any]:
    """The UTC calendar day of the report date, in each database's own terms."""
    if dialect == "postgresql":
        # A literal, not a bound parameter, so GROUP BY matches the selected expression.
        return cast(func.timezone(literal_column("'UTC'"), WHEN), Date)
    return func.date(WHEN)  # SQLite keeps UTC timestamps as ISO text


async def _totals(tx: AsyncSession, where: list[ColumnElement[bool]], key: Any = None,
                  label: Any = None) -> list[Totals]:
    """Count, gross and refunded per currency, and per `key` if given (named by `label`,
    else by the key itself)."""
    columns: list[Any] = [PaymentRequest.currency, func.count(),
                          # what was charged: a hold captured in part counts its capture
                          func.sum(func.coalesce(PaymentRequest.amount_paid,
                                                 PaymentRequest.amount)),
                          func.sum(PaymentRequest.amount_refunded),
                          func.sum(PaymentRequest.application_fee_amount
                                   - PaymentRequest.application_fee_refunded)]
    groups: list[Any] = [PaymentRequest.currency]
    if key is not None:
        columns += [key, key if label is None else label]
        groups.insert(0, key)
    result = (await tx.execute(select(*columns).where(*where).group_by(*groups)
                               .order_by(PaymentRequest.currency))).all()
    totals = []
    for currency, count, gross, refunded, fee, *named in result:
        key_text = _key_text(named[0]) if named else ""
        label_text = _key_text(named[1]) if named else "All"
        totals.append(Totals(key_text, label_text or key_text, str(currency), int(count),
                             int(gross or 0), int(refunded or 0), int(fee or 0)))
    return totals


def _key_text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def _relabel(totals: Totals, label: str) -> Totals:
    return dataclasses.replace(totals, label=label)
