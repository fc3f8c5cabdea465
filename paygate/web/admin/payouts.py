"""Configure > Payouts: a clinic's payouts (an org admin: every clinic's), each opening to
the payments, refunds, fees and disputes it holds, with a CSV."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from paygate.domain.money import Money
from paygate.services.payouts.service import day, money
from paygate.web.admin.session import admin_principal, render
from paygate.web.admin.stripe_dashboard import dashboard_url
from paygate.web.auth import runtime

STATUS_WORDS = {"paid": "Paid", "pending": "Pending", "in_transit": "In transit",
                "canceled": "Canceled", "failed": "Failed"}
CSV_HEADER = ["created", "type", "reference", "source", "description", "currency", "amount",
              "amount_minor", "fee", "fee_minor", "net", "net_minor", "balance_transaction"]


def _context(request: Request) -> dict[str, object]:
    return {"section": "payouts", "money": money, "day": day, "status_words": STATUS_WORDS,
            "dashboard_url": dashboard_url(request)}


async def clinic_payouts(request: Request) -> Response:
    who = await admin_principal(request)
    found = await runtime(request).payouts.for_clinic(who, request.path_params["clinic_id"])
    return render(request, "admin/payouts.html", who,
                  {**_context(request), "clinics": [found], "wide": False})


async def all_payouts(request: Request) -> Response:
    who = await admin_principal(request)
    found = await runtime(request).payouts.for_org(who)
    return render(request, "admin/payouts.html", who,
                  {**_context(request), "clinics": found, "wide": True})


async def payout_page(request: Request) -> Response:
    who = await admin_principal(request)
    detail = await runtime(request).payouts.detail(
        who, request.path_params["clinic_id"], request.path_params["payout_id"])
    return render(request, "admin/payout.html", who, {**_context(request), "detail": detail})


async def payout_csv(request: Request) -> Response:
    who = await admin_principal(request)
    detail = await runtime(request).payouts.detail(
        who, request.path_params["clinic_id"], request.path_params["payout_id"])
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for item in detail.lines:
        line = item.line

        def major(minor: int, currency: str = line.currency) -> str:
            return format(Money(minor, currency).to_major(), "f")

        writer.writerow([
            day(line.created).strftime("%Y-%m-%dT%H:%M:%SZ"), item.words, item.reference or "",
            line.source or "", _safe(line.description or ""), line.currency.upper(),
            major(line.amount), str(line.amount), major(line.fee), str(line.fee),
            major(line.net), str(line.net), line.id])
    name = f"paygate-payout-{detail.payout.id}.csv"
    return Response(buffer.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _safe(value: str) -> str:
    """Spreadsheets run a cell that starts like a formula; a leading ' keeps it text."""
    return f"'{value}" if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


def routes() -> list[Route]:
    base = "/admin/clinics/{clinic_id}/payouts"
    return [
        Route("/admin/payouts", all_payouts, methods=["GET"]),
        Route(base, clinic_payouts, methods=["GET"]),
        Route(base + "/{payout_id}.csv", payout_csv, methods=["GET"]),
        Route(base + "/{payout_id}", payout_page, methods=["GET"]),
    ]
