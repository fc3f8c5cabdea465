"""Reports: a clinic's payments (or an organisation's), with filters, totals per day, per
clinician and per clinic, an SVG chart and a CSV export of the same filtered rows."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from datetime import date
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from paygate import i18n
from paygate.domain.errors import InvalidInput
from paygate.domain.money import Money
from paygate.domain.payment_requests import SETTLED, Status, charged
from paygate.domain.principals import Principal, Role
from paygate.resources import resource_dir
from paygate.services.reports.disputes import DisputeCells
from paygate.services.reports.service import (
    SETTLED_FILTER,
    TABLE_LIMIT,
    Report,
    ReportFilter,
    ReportScope,
    default_filter,
    parse_filter,
    report_date,
)
from paygate.store.database import as_utc, utcnow
from paygate.store.models import PaymentRequest
from paygate.web.admin.charts import DayTotal, chart_days, daily_chart, long_day
from paygate.web.admin.session import admin_principal, page_headers, render
from paygate.web.auth import runtime

STATUS_LABELS = {
    Status.REQUESTED: "Requested", Status.PROCESSING: "Processing",
    Status.AUTHORIZED: "Held (not charged yet)", Status.PAID: "Paid",
    Status.FAILED: "Failed", Status.CANCELLED: "Cancelled", Status.EXPIRED: "Expired",
    Status.PARTIALLY_REFUNDED: "Partially refunded", Status.REFUNDED: "Refunded",
}
STATUS_CHOICES = [(SETTLED_FILTER, "Paid, including refunded"),
                  *((s.value, label) for s, label in STATUS_LABELS.items())]
CSV_HEADER = ["date", "requested_at", "paid_at", "reference", "clinic_id", "clinic",
              "clinician_id", "clinician", "description", "status", "currency", "amount",
              "amount_minor", "paid", "paid_minor", "refunded", "refunded_minor", "net",
              "net_minor",
              "card_brand", "card_last4", "dispute_status", "disputed", "disputed_minor",
              "dispute_lost", "dispute_lost_minor", "platform_fee", "platform_fee_minor"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _filter_of(request: Request) -> ReportFilter:
    if not request.query_params:
        return default_filter(utcnow().date())
    return parse_filter(request.query_params)


def _base_path(scope: ReportScope) -> str:
    return f"/admin/clinics/{scope.clinic.id}/reports" if scope.clinic else "/admin/reports"


async def clinic_report(request: Request) -> Response:
    who = await admin_principal(request)
    scope = await runtime(request).reports.clinic_scope(who, request.path_params["clinic_id"])
    return await _page(request, who, scope)


async def wide_report(request: Request) -> Response:
    who = await admin_principal(request)
    if who.role is Role.CLINIC_ADMIN and who.clinic_id:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/admin/clinics/{who.clinic_id}/reports{query}",
                                status_code=303, headers=page_headers(request))
    return await _page(request, who, await runtime(request).reports.wide_scope(who))


async def _page(request: Request, who: Principal, scope: ReportScope) -> Response:
    problem: InvalidInput | None = None
    try:
        filt = _filter_of(request)
    except InvalidInput as exc:
        problem, filt = exc, ReportFilter()
    report = await runtime(request).reports.build(scope, filt)
    context: dict[str, Any] = {
        "section": "reports", "report": report, "scope": scope, "form": filt.query(),
        "base": _base_path(scope), "csv_url": _csv_url(scope, filt),
        "statuses": STATUS_CHOICES, "status_labels": {s.value: v for s, v in
                                                      STATUS_LABELS.items()},
        "clinicians": _clinician_choices(report), "charts": _charts(report),
        "status_summary": _status_summary(report), "limit": TABLE_LIMIT,
        "report_date": report_date, "day_label": lambda iso: long_day(date.fromisoformat(iso)),
        "money": lambda amount, currency: i18n.format_money(amount, currency, "en"),
    }
    if problem is not None:
        context["alert"] = f"{problem.message} The report below is not filtered."
        context["error_field"] = problem.field
        context["error_message"] = problem.message  # shown next to the field too
    return render(request, "admin/reports.html", who, context,
                  status_code=400 if problem else 200)


def _csv_url(scope: ReportScope, filt: ReportFilter) -> str:
    return f"{_base_path(scope)}.csv?{urlencode(filt.query())}"


def _clinician_choices(report: Report) -> list[tuple[str, str]]:
    names = Counter(name for _, name in report.clinicians)
    choices = [(user, name if names[name] == 1 else f"{name} ({user})")
               for user, name in report.clinicians]
    chosen = report.filter.clinician
    if chosen and all(user != chosen for user, _ in choices):
        choices.append((chosen, chosen))  # so the form shows the filter that is applied
    return choices


def _status_summary(report: Report) -> str:
    total = report.matched
    parts = [f"{n} {STATUS_LABELS[Status(s)].lower()}" for s, n in
             sorted(report.status_counts.items(), key=lambda kv: list(Status).index(
                 Status(kv[0])))]
    head = f"{total} payment request{'' if total == 1 else 's'}"
    return f"{head}: {', '.join(parts)}." if parts else f"{head}."


def _charts(report: Report) -> list[dict[str, Any]]:
    """One chart per currency (a total never mixes currencies), on the same days."""
    by_currency: dict[str, dict[date, DayTotal]] = {t.currency: {} for t in report.overall}
    for t in report.by_day:
        by_currency.setdefault(t.currency, {})[date.fromisoformat(t.key)] = DayTotal(
            t.net, t.count)
    data_days = sorted({day for totals in by_currency.values() for day in totals})
    days, cut = chart_days(report.filter.date_from, report.filter.date_to, data_days)
    charts = []
    for currency, totals in by_currency.items():
        title = f"Net paid per day in {currency.upper()}"
        charts.append({"currency": currency, "title": title, "cut": cut,
                       "svg": daily_chart(f"chart-{currency}", title, currency, days, totals)})
    return charts


# -- CSV -------------------------------------------------------------------------------

async def clinic_csv(request: Request) -> Response:
    who = await admin_principal(request)
    scope = await runtime(request).reports.clinic_scope(who, request.path_params["clinic_id"])
    return _csv(request, scope, _filter_of(request))


async def wide_csv(request: Request) -> Response:
    who = await admin_principal(request)
    if who.role is Role.CLINIC_ADMIN and who.clinic_id:
        scope = await runtime(request).reports.clinic_scope(who, who.clinic_id)
    else:
        scope = await runtime(request).reports.wide_scope(who)
    return _csv(request, scope, _filter_of(request))


def _csv(request: Request, scope: ReportScope, filt: ReportFilter) -> Response:
    first = filt.date_from.isoformat() if filt.date_from else "start"
    last = filt.date_to.isoformat() if filt.date_to else "today"
    name = f"paygate-{scope.slug}-{first}-{last}.csv"
    rows = runtime(request).reports.rows_for_export(scope, filt)
    return StreamingResponse(
        _csv_chunks(rows, scope.clinic_names), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"})


async def _csv_chunks(rows: AsyncIterator[tuple[PaymentRequest, DisputeCells]],
                      clinic_names: Mapping[str, str]) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # the BOM makes Excel read the file as UTF-8
    writer.writerow(CSV_HEADER)
    async for row, disputes in rows:
        writer.writerow([_safe_cell(cell) for cell in _csv_cells(row, clinic_names, disputes)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cells(row: PaymentRequest, clinic_names: Mapping[str, str],
               disputes: DisputeCells) -> list[str]:
    def major(minor: int) -> str:
        return format(Money(minor, row.currency).to_major(), "f")

    # A request never paid (open, failed, cancelled, expired) brought in nothing, so the
    # CSV's paid and net columns add up to the page's gross and net totals.
    paid = charged(row.amount, row.amount_paid) if Status(row.status) in SETTLED else 0
    fee = row.application_fee_amount - row.application_fee_refunded if paid else 0
    net = paid - row.amount_refunded - fee
    paid_at = _iso(as_utc(row.paid_at)) if row.paid_at else ""
    return [report_date(row).date().isoformat(), _iso(as_utc(row.created_at)), paid_at,
            row.reference, row.clinic_id, clinic_names.get(row.clinic_id, row.clinic_id),
            row.requested_by, row.requested_by_name, row.description, row.status,
            row.currency.upper(), major(row.amount), str(row.amount), major(paid), str(paid),
            major(row.amount_refunded), str(row.amount_refunded), major(net), str(net),
            row.card_brand or "", row.card_last4 or "", disputes.status,
            major(disputes.disputed), str(disputes.disputed), major(disputes.lost),
            str(disputes.lost), major(fee), str(fee)]


def _iso(value: Any) -> str:
    return str(value.strftime("%Y-%m-%dT%H:%M:%SZ"))


def _safe_cell(value: str) -> str:
    """Spreadsheets run a cell that starts like a formula; a leading ' keeps it text."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


async def stylesheet(request: Request) -> Response:
    return FileResponse(resource_dir("widget") / "admin-reports.css", media_type="text/css",
                        headers={"Cache-Control": "public, max-age=300"})


def routes() -> list[Route]:
    return [
        Route("/admin/reports", wide_report, methods=["GET"]),
        Route("/admin/reports.csv", wide_csv, methods=["GET"]),
        Route("/admin/clinics/{clinic_id}/reports", clinic_report, methods=["GET"]),
        Route("/admin/clinics/{clinic_id}/reports.csv", clinic_csv, methods=["GET"]),
        Route("/admin/assets/reports.css", stylesheet, methods=["GET"]),
    ]
