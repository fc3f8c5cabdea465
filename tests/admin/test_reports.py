"""Reports: filters, totals per day/clinician/clinic per currency, the SVG chart, the CSV
export, who may see what, and the page in Chromium (docs/screenshots/admin-13-reports.png)."""

from __future__ import annotations

import csv
import io
import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from paygate.domain.payment_requests import OPEN, Status
from paygate.store.database import Database
from paygate.store.models import PaymentRequest
from tests.admin.conftest import Browser, admin_client, run_async
from tests.admin.conftest import seed as seed_clinic
from tests.conftest import Stack, screenshots_dir

SCREENSHOTS = screenshots_dir()
REPORT = "/admin/clinics/clinic_1/reports"
MAY = {"from": "2024-05-01", "to": "2024-05-03"}
SVG = "{http://www.w3.org/2000/svg}"
ANA = ("dr-ana", "Dr Ana Souza")
ZOE = ("dr-zoe", "Zoë Müller")
EVIL = '=HYPERLINK("http://evil.example","Click")'


NOT_YET = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass
class Row:
    ref: str
    clinic: str
    requested: datetime
    amount: int
    currency: str = "usd"
    status: str = "paid"
    clinician: tuple[str, str] = ANA
    description: str = "Follow-up consultation"
    refunded: int = 0
    paid: datetime | None = None      # defaults to `requested` for settled rows
    card: tuple[str, str] | None = ("visa", "4242")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def insert(stack: Stack, rows: Sequence[Row]) -> None:
    """Setup straight into the store: the ledger rows a clinic's history would have left."""
    async def run() -> None:
        db = Database(stack.settings.database_url)
        try:
            async with db.transaction() as tx:
                for r in rows:
                    settled = r.status in ("paid", "partially_refunded", "refunded")
                    paid = (r.paid or r.requested) if settled else None
                    # An open request past its deadline (a failed one can still be paid)
                    # is expired by the reconciler, whose pass may come during the test.
                    expires = r.requested + timedelta(minutes=30) \
                        if Status(r.status) not in OPEN else NOT_YET
                    tx.add(PaymentRequest(
                        id="pr_" + secrets.token_hex(8), org_id="org_x", clinic_id=r.clinic,
                        call_id="call_1", reference=r.ref, amount=r.amount,
                        currency=r.currency, description=r.description, status=r.status,
                        requested_by=r.clinician[0], requested_by_name=r.clinician[1],
                        stripe_account_id="acct_seeded", amount_refunded=r.refunded,
                        card_brand=r.card[0] if settled and r.card else None,
                        card_last4=r.card[1] if settled and r.card else None, version=1,
                        created_at=r.requested, updated_at=paid or r.requested,
                        expires_at=expires, paid_at=paid))
        finally:
            await db.close()

    run_async(run)


def seed_history(stack: Stack) -> None:
    seed_clinic(stack, "clinic_1", "org_1", "Sunrise Clinic")
    seed_clinic(stack, "clinic_2", "org_1", "Harbour Clinic")
    seed_clinic(stack, "clinic_9", "org_2", "Elsewhere Clinic")
    insert(stack, [
        Row("PAY-A00001", "clinic_1", at("2024-05-01T00:00:00"), 12000,
            description="Physiotherapy session"),
        Row("PAY-B00002", "clinic_1", at("2024-05-01T15:30:00"), 5000, clinician=ZOE,
            description="Séance de kiné", card=("mastercard", "4444")),
        Row("PAY-C00003", "clinic_1", at("2024-05-02T09:00:00"), 8000,
            status="partially_refunded", refunded=3000),
        Row("PAY-D00004", "clinic_1", at("2024-05-03T23:59:59"), 4000, status="refunded",
            refunded=4000, clinician=ZOE),
        Row("PAY-E00005", "clinic_1", at("2024-05-03T12:00:00"), 500, currency="jpy"),
        Row("PAY-F00006", "clinic_1", at("2024-05-02T10:00:00"), 9900, status="failed",
            clinician=ZOE, description=EVIL),
        Row("PAY-G00007", "clinic_1", at("2024-05-02T11:00:00"), 2500, status="cancelled",
            description="<script>alert(1)</script>"),
        Row("PAY-H00008", "clinic_1", at("2024-05-04T00:00:00"), 7000),
        Row("PAY-I00009", "clinic_1", at("2024-04-30T23:59:59"), 1000, clinician=ZOE),
        # Requested on the 3rd, paid just after midnight: it counts on the 4th.
        Row("PAY-J00010", "clinic_1", at("2024-05-03T23:50:00"), 3000,
            paid=at("2024-05-04T00:10:00")),
        Row("PAY-K00011", "clinic_2", at("2024-05-02T14:00:00"), 6000,
            clinician=("dr-lee", "Dr Lee Park")),
        Row("PAY-L00012", "clinic_9", at("2024-05-02T14:00:00"), 99900,
            clinician=("dr-x", "Dr Xavier Other"), description="Other org's payment"),
    ])


class _Tables(HTMLParser):
    """Every <table id=...> of a page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table:
            self._cell = []
        elif tag == "caption":
            self._in_caption = True
        elif tag in ("div", "br", "p") and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._table and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._in_caption:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return {name: rows[1:] for name, rows in parser.tables.items()}  # without the header


def references(html: str) -> list[str]:
    return [row[1] for row in tables(html).get("payments", [])]


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", html, re.S)]


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_filters_and_totals_per_day_and_clinician_keep_currencies_apart(
        stack: Stack) -> None:
    seed_history(stack)
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params=MAY)
        assert page.status_code == 200
        # Inclusive UTC days; a paid request counts on the day it was paid.
        assert sorted(references(page.text)) == [
            "PAY-A00001", "PAY-B00002", "PAY-C00003", "PAY-D00004", "PAY-E00005",
            "PAY-F00006", "PAY-G00007"]
        assert references(page.text)[0] == "PAY-D00004"  # newest first
        found = tables(page.text)
        assert found["totals-by-day"] == [
            ["1 May 2024", "2", "$170.00", "—", "$170.00"],
            ["2 May 2024", "1", "$80.00", "$30.00", "$50.00"],
            ["3 May 2024", "1", "¥500", "—", "¥500"],
            ["3 May 2024", "1", "$40.00", "$40.00", "$0.00"],
        ]
        assert found["totals-by-clinician"] == [
            ["Dr Ana Souza", "1", "¥500", "—", "¥500"],
            ["Dr Ana Souza", "2", "$200.00", "$30.00", "$170.00"],
            ["Zoë Müller", "2", "$90.00", "$40.00", "$50.00"],
        ]
        assert "totals-by-clinic" not in found  # one clinic: no per-clinic table
        summary = re.search(r'data-field="status-summary">([^<]*)<', page.text)
        assert summary is not None and summary.group(1) == (
            "7 payment requests: 3 paid, 1 failed, 1 cancelled, 1 partially refunded, "
            "1 refunded."), page.text[page.text.find("report-counts") - 200:][:2000]
        assert "$220.00" in page.text and "gross $290.00" in page.text
        row_a = next(r for r in found["payments"] if r[1] == "PAY-A00001")
        assert row_a == ["1 May 2024, 00:00 UTC", "PAY-A00001", "Dr Ana Souza",
                         "Physiotherapy session", "$120.00", "Paid", "Visa •••• 4242"]
        row_c = next(r for r in found["payments"] if r[1] == "PAY-C00003")
        assert row_c[4:6] == ["$80.00 refunded $30.00", "Partially refunded"]
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "<script>alert(1)" not in page.text

        zoe = admin.get(REPORT, params={**MAY, "clinician": "dr-zoe"})
        assert sorted(references(zoe.text)) == ["PAY-B00002", "PAY-D00004", "PAY-F00006"]
        assert tables(zoe.text)["totals-by-clinician"] == [
            ["Zoë Müller", "2", "$90.00", "$40.00", "$50.00"]]
        assert '<option value="dr-zoe" selected>Zoë Müller</option>' in zoe.text

        nobody = admin.get(REPORT, params={**MAY, "clinician": "dr-gone"})
        assert references(nobody.text) == []
        assert "No payment requests match these filters." in nobody.text
        assert '<option value="dr-gone" selected>dr-gone</option>' in nobody.text

        failed = admin.get(REPORT, params={**MAY, "status": "failed"})
        assert references(failed.text) == ["PAY-F00006"]
        assert "No paid payments match these filters." in failed.text
        assert "totals-by-day" not in tables(failed.text)

        settled = admin.get(REPORT, params={**MAY, "status": "settled"})
        assert sorted(references(settled.text)) == [
            "PAY-A00001", "PAY-B00002", "PAY-C00003", "PAY-D00004", "PAY-E00005"]

        everything = admin.get(REPORT, params={"from": "", "to": ""})
        assert len(references(everything.text)) == 10
        assert "PAY-K00011" not in everything.text  # another clinic's


def test_the_chart_is_an_accessible_svg_with_a_bar_per_day_with_payments(
        stack: Stack) -> None:
    seed_history(stack)
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params=MAY)
    charts = svgs(page.text)
    assert len(charts) == 2  # USD and JPY are never drawn on one axis
    by_title = {c.findtext(f"{SVG}title"): c for c in charts}
    usd = by_title["Net paid per day in USD"]
    assert usd.get("role") == "img"
    assert usd.get("aria-label") == "Net paid per day in USD"
    desc = usd.findtext(f"{SVG}desc") or ""
    assert desc == ("Net paid per day in USD, 1 May 2024 to 3 May 2024: 2 days with payments, "
                    "highest $170.00 on 1 May 2024, total $220.00.")
    bars = usd.findall(f"{SVG}rect")
    assert [b.get("data-day") for b in bars] == ["2024-05-01", "2024-05-02"]
    assert [b.findtext(f"{SVG}title") for b in bars] == [
        "1 May 2024: $170.00 net from 2 payments",
        "2 May 2024: $50.00 net from 1 payment"]
    assert float(bars[0].get("height", 0)) > float(bars[1].get("height", 0)) > 0
    labels = [t.text for t in usd.findall(f"{SVG}text")]
    assert {"1 May", "2 May", "3 May", "Day (UTC)", "USD", "170.00"} <= set(labels)
    jpy = by_title["Net paid per day in JPY"]
    assert [b.get("data-day") for b in jpy.findall(f"{SVG}rect")] == ["2024-05-03"]
    # Inline, no script, no external reference.
    assert "<script" not in page.text.split("<svg", 1)[1]
    assert 'href="http' not in page.text


def test_csv_export_opens_cleanly_in_a_spreadsheet(stack: Stack) -> None:
    seed_history(stack)
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params=MAY)
        link = re.search(r'href="([^"]+\.csv\?[^"]*)"[^>]*>Download CSV', page.text)
        assert link, "no Download CSV link"
        response = admin.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="paygate-clinic_1-2024-05-01-2024-05-03.csv"')
    rows = read_csv(response)
    assert [r["reference"] for r in rows] == [  # oldest first
        "PAY-A00001", "PAY-B00002", "PAY-C00003", "PAY-F00006", "PAY-G00007", "PAY-E00005",
        "PAY-D00004"]
    first = rows[0]
    assert first == {
        "date": "2024-05-01", "requested_at": "2024-05-01T00:00:00Z",
        "paid_at": "2024-05-01T00:00:00Z", "reference": "PAY-A00001",
        "clinic_id": "clinic_1", "clinic": "Sunrise Clinic", "clinician_id": "dr-ana",
        "clinician": "Dr Ana Souza", "description": "Physiotherapy session", "status": "paid",
        "currency": "USD", "amount": "120.00", "amount_minor": "12000", "paid": "120.00",
        "paid_minor": "12000", "refunded": "0.00",
        "refunded_minor": "0", "net": "120.00", "net_minor": "12000", "card_brand": "visa",
        "card_last4": "4242", "dispute_status": "", "disputed": "0.00", "disputed_minor": "0",
        "dispute_lost": "0.00", "dispute_lost_minor": "0", "platform_fee": "0.00",
        "platform_fee_minor": "0"}
    by_ref = {r["reference"]: r for r in rows}
    assert (by_ref["PAY-B00002"]["clinician"], by_ref["PAY-B00002"]["description"]) == (
        "Zoë Müller", "Séance de kiné")
    assert [by_ref["PAY-E00005"][k] for k in ("currency", "amount", "amount_minor")] == [
        "JPY", "500", "500"]
    assert [by_ref["PAY-C00003"][k] for k in ("refunded", "net", "net_minor")] == [
        "30.00", "50.00", "5000"]
    # A formula in a description stays text in a spreadsheet.
    assert by_ref["PAY-F00006"]["description"] == "'" + EVIL
    assert by_ref["PAY-F00006"]["paid_at"] == "" and by_ref["PAY-F00006"]["card_last4"] == ""
    # A failed request was never paid: it brought in nothing.
    assert [by_ref["PAY-F00006"][k] for k in ("amount", "paid", "net", "net_minor")] == [
        "99.00", "0.00", "0.00", "0"]

    with admin_client(stack, "clinic_admin") as admin:
        zoe = admin.get(REPORT + ".csv", params={**MAY, "clinician": "dr-zoe"})
    assert {r["reference"] for r in read_csv(zoe)} == {"PAY-B00002", "PAY-D00004",
                                                       "PAY-F00006"}


def test_csv_sums_match_the_page_totals_for_every_status(stack: Stack) -> None:
    """A spreadsheet adding up the CSV's paid, refunded and net columns gets the page's
    gross, refunded and net, whatever statuses the month held."""
    seed_clinic(stack, "clinic_1", "org_1", "Sunrise Clinic")
    day = at("2024-07-10T09:00:00")
    statuses = [("paid", 5000, 0), ("partially_refunded", 3050, 1000),
                ("refunded", 2000, 2000), ("failed", 1500, 0), ("cancelled", 700, 0),
                ("expired", 300, 0), ("requested", 1000, 0), ("processing", 4500, 0),
                ("authorized", 6000, 0)]  # a hold not charged yet brought in nothing
    assert {s for s, _, _ in statuses} == {s.value for s in Status}
    insert(stack, [Row(f"PAY-M{n:05d}", "clinic_1", day + timedelta(minutes=n), amount,
                       status=status, refunded=refunded)
                   for n, (status, amount, refunded) in enumerate(statuses)]
           + [Row("PAY-Y00001", "clinic_1", day, 900, currency="jpy"),
              Row("PAY-Y00002", "clinic_1", day, 400, currency="jpy", status="failed")])
    july = {"from": "2024-07-01", "to": "2024-07-31"}
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params=july)
        rows = read_csv(admin.get(REPORT + ".csv", params=july))
        # Asked twice, in another order of filters: the same file.
        again = read_csv(admin.get(REPORT + ".csv", params={"to": "2024-07-31",
                                                            "from": "2024-07-01"}))
    assert rows == again
    assert len(rows) == 11
    assert set(re.findall(r'class="stat-tile" data-currency="(\w+)"', page.text)) == {
        "usd", "jpy"}

    def total(currency: str, column: str) -> int:
        return sum(int(r[column]) for r in rows if r["currency"] == currency)

    # The page: USD net 70.50 (50.00 + 30.50 + 20.00 paid, 30.00 refunded); JPY net 900.
    usd_net = re.search(r'data-currency="usd">.*?stat-value">([^<]+)<', page.text, re.S)
    jpy_net = re.search(r'data-currency="jpy">.*?stat-value">([^<]+)<', page.text, re.S)
    assert usd_net and usd_net.group(1) == "$70.50"
    assert jpy_net and jpy_net.group(1) == "¥900"
    assert (total("USD", "paid_minor"), total("USD", "refunded_minor"),
            total("USD", "net_minor")) == (10050, 3000, 7050)
    assert (total("JPY", "paid_minor"), total("JPY", "net_minor")) == (900, 900)
    assert "gross $100.50" in page.text and "refunded $30.00" in page.text
    # The major-unit columns add up the same way (what a spreadsheet's SUM sees).
    assert sum(Decimal(r["net"]) for r in rows if r["currency"] == "USD") == Decimal("70.50")
    never_paid = [r for r in rows if r["status"] not in ("paid", "partially_refunded",
                                                          "refunded")]
    assert len(never_paid) == 7
    assert {(r["paid_minor"], r["net_minor"]) for r in never_paid} == {("0", "0")}
    assert all(r["amount_minor"] != "0" for r in never_paid)  # what was asked stays


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_a_busy_month_lists_the_newest_500_and_exports_every_row(stack: Stack) -> None:
    seed_clinic(stack, "clinic_1", "org_1", "Sunrise Clinic")
    start = at("2024-06-01T08:00:00")
    # 1,234 payments, several in the same second, so the CSV's batches must not skip any.
    insert(stack, [Row(f"PAY-{i:06d}", "clinic_1", start + timedelta(seconds=i // 3),
                       1000 + i) for i in range(1234)])
    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT, params={"from": "2024-06-01", "to": "2024-06-30"})
        exported = admin.get(REPORT + ".csv", params={"from": "2024-06-01", "to": ""})
    assert len(references(page.text)) == 500
    assert "Showing the newest 500 of 1234; the CSV has all of them." in page.text
    # The totals cover every row, not only the listed ones.
    total = sum(1000 + i for i in range(1234))
    assert tables(page.text)["totals-by-day"] == [
        ["1 Jun 2024", "1234", f"${total / 100:,.2f}", "—", f"${total / 100:,.2f}"]]
    rows = read_csv(exported)
    assert sorted(r["reference"] for r in rows) == [f"PAY-{i:06d}" for i in range(1234)]
    assert exported.headers["content-disposition"].endswith(
        'filename="paygate-clinic_1-2024-06-01-today.csv"')


def test_bad_filters_get_a_readable_message_and_the_unfiltered_report(stack: Stack) -> None:
    seed_history(stack)
    with admin_client(stack, "clinic_admin") as admin:
        bad = admin.get(REPORT, params={"from": "2024-13-45", "to": "2024-05-03"})
        assert bad.status_code == 400
        assert ("2024-13-45 is not a date. Enter the start date as YYYY-MM-DD, for example "
                "2024-05-31. The report below is not filtered.") in bad.text
        assert 'id="from" name="from" type="date" value=""' in bad.text
        assert 'aria-invalid="true"' in bad.text
        assert len(references(bad.text)) == 10  # everything, unfiltered

        slashes = admin.get(REPORT, params={"to": "03/05/2024"})
        assert slashes.status_code == 400
        assert "Enter the end date as YYYY-MM-DD" in slashes.text

        backwards = admin.get(REPORT, params={"from": "2024-05-03", "to": "2024-05-01"})
        assert backwards.status_code == 400
        assert "The start date is after the end date" in backwards.text

        status = admin.get(REPORT, params={"status": "<b>lost</b>"})
        assert status.status_code == 400
        assert "There is no payment status" in status.text
        assert "<b>lost</b>" not in status.text

        csv_bad = admin.get(REPORT + ".csv", params={"from": "yesterday"})
        assert csv_bad.status_code == 400
        assert csv_bad.headers["content-type"].startswith("text/html")
        assert "Enter the start date as YYYY-MM-DD" in csv_bad.text


def test_who_sees_which_clinics(stack: Stack) -> None:
    seed_history(stack)
    with admin_client(stack, "clinic_admin") as admin:
        for path in ("/admin/clinics/clinic_2/reports", "/admin/clinics/clinic_2/reports.csv",
                     "/admin/clinics/clinic_9/reports"):
            refused = admin.get(path, params=MAY)
            assert refused.status_code == 403, path
            assert "You cannot see this clinic's reports." in unescape(refused.text)
            assert "PAY-K00011" not in refused.text
        own = admin.get("/admin/reports", params=MAY)
        assert own.status_code == 303
        assert own.headers["location"] == (
            "/admin/clinics/clinic_1/reports?from=2024-05-01&to=2024-05-03")
        mine = admin.get("/admin/reports.csv", params=MAY)
        assert {r["clinic_id"] for r in read_csv(mine)} == {"clinic_1"}

    with admin_client(stack, "org_admin", clinic=None) as org:
        wide = org.get("/admin/reports", params=MAY)
        assert wide.status_code == 200
        assert "All clinics of org_1" in wide.text
        assert "PAY-K00011" in wide.text and "PAY-A00001" in wide.text
        assert "PAY-L00012" not in wide.text and "Other org" not in wide.text
        found = tables(wide.text)
        assert found["totals-by-clinic"] == [
            ["Harbour Clinic", "1", "$60.00", "—", "$60.00"],
            ["Sunrise Clinic", "1", "¥500", "—", "¥500"],
            ["Sunrise Clinic", "4", "$290.00", "$70.00", "$220.00"]]
        assert found["payments"][0][2] in ("Sunrise Clinic", "Harbour Clinic")  # clinic column
        assert org.get("/admin/clinics/clinic_2/reports", params=MAY).status_code == 200
        assert org.get("/admin/clinics/clinic_9/reports", params=MAY).status_code == 403
        assert org.get("/admin/clinics/nowhere/reports").status_code == 404
        exported = read_csv(org.get("/admin/reports.csv", params=MAY))
        assert {r["clinic"] for r in exported} == {"Sunrise Clinic", "Harbour Clinic"}

    with admin_client(stack, "org_admin", org="org_2", clinic=None) as other:
        theirs = other.get("/admin/reports", params=MAY)
        assert references(theirs.text) == ["PAY-L00012"]
        assert other.get(REPORT).status_code == 403

    with admin_client(stack, "operator", org="", clinic=None) as operator:
        everyone = operator.get("/admin/reports", params=MAY)
        assert {"PAY-A00001", "PAY-K00011", "PAY-L00012"} <= set(references(everyone.text))
        assert operator.get("/admin/clinics/clinic_9/reports").status_code == 200

    with httpx.Client(base_url=stack.url) as anonymous:
        assert anonymous.get("/admin/reports").status_code == 401
        assert anonymous.get(REPORT + ".csv").status_code == 401
        clinician = anonymous.get("/admin/login",
                                  params={"launch": stack.token("clinician")})
        assert clinician.status_code == 403
        assert anonymous.get(REPORT).status_code == 401


def test_a_payment_made_in_a_call_shows_up_in_todays_report(stack: Stack) -> None:
    from tests.payments.conftest import pay, request_payment, seed, status_of, wait_until

    seed(stack)
    with stack.login("clinician", user="dr-ana", name="Dr Ana Souza") as clinician, \
            stack.login("patient") as patient:
        created = request_payment(clinician, 12000, "usd", "Physiotherapy session")
        waiting = request_payment(clinician, 4500, "usd", "Prescription renewal")
        patient.post(f"/api/v1/payment-requests/{created['id']}/receipt",
                     json={"email": "pat@example.com"})
        checkout = patient.get(f"/api/v1/payment-requests/{created['id']}").json()
        assert pay(stack, checkout, "pm_card_visa").status == "succeeded"
        wait_until(lambda: status_of(clinician, created["id"]) == "paid")

    with admin_client(stack, "clinic_admin") as admin:
        page = admin.get(REPORT)  # no filters: the last 30 days
        rows = {r[1]: r for r in tables(page.text)["payments"]}
        exported = read_csv(admin.get(REPORT + ".csv"))
    assert rows[created["reference"]][2:] == [
        "Dr Ana Souza", "Physiotherapy session", "$120.00", "Paid", "Visa •••• 4242"]
    assert rows[waiting["reference"]][5:] == ["Requested", "—"]
    today = datetime.now(UTC).date()
    assert tables(page.text)["totals-by-day"] == [
        [f"{today.day} {today:%b %Y}", "1", "$120.00", "—", "$120.00"]]
    assert f'value="{(today - timedelta(days=29)).isoformat()}"' in page.text
    assert '<option value="dr-ana">Dr Ana Souza</option>' in page.text
    paid = next(r for r in exported if r["reference"] == created["reference"])
    assert (paid["amount"], paid["card_brand"], paid["card_last4"]) == ("120.00", "visa",
                                                                        "4242")
    assert paid["paid_at"].startswith(today.isoformat())


def _busy_fortnight() -> list[Row]:
    """A realistic two weeks for the screenshot: three clinicians, a few refunds, a EUR
    patient."""
    people = [ANA, ZOE, ("dr-omar", "Dr Omar Haddad")]
    what = ["Follow-up consultation", "Physiotherapy session", "Initial assessment",
            "Prescription renewal", "Nutrition coaching"]
    rows = []
    for day in range(14):
        for n in range(2 + (day * 7) % 4):
            i = day * 10 + n
            rows.append(Row(
                f"PAY-S{i:05d}", "clinic_1",
                at("2024-05-06T08:15:00") + timedelta(days=day, hours=n * 2, minutes=i % 50),
                (45 + (i * 37) % 110) * 100, clinician=people[i % 3],
                description=what[i % 5],
                status="partially_refunded" if i % 17 == 0 else "paid",
                refunded=1500 if i % 17 == 0 else 0,
                card=(["visa", "mastercard", "amex"][i % 3], f"{4242 + i % 7:04d}")))
    rows.append(Row("PAY-SEUR01", "clinic_1", at("2024-05-14T10:00:00"), 8000,
                    currency="eur", clinician=ZOE, description="Consultation (EU patient)"))
    rows.append(Row("PAY-SFAIL1", "clinic_1", at("2024-05-15T16:40:00"), 6000,
                    status="failed", clinician=ANA))
    return rows


@pytest.mark.browser
def test_report_in_the_browser_filter_and_download(stack: Stack,
                                                   admin_browser: Browser) -> None:
    from playwright.sync_api import expect

    seed_clinic(stack, "clinic_1", "org_1", "Sunrise Clinic")
    insert(stack, _busy_fortnight())
    page = admin_browser.page("clinic_admin", name="Dana Whitfield")
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Payment report")).to_be_visible()
    page.get_by_label("From", exact=True).fill("2024-05-06")
    page.get_by_label("To", exact=True).fill("2024-05-19")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("img", name="Net paid per day in USD")).to_be_visible()
    expect(page.get_by_role("img", name="Net paid per day in EUR")).to_be_visible()
    assert page.locator("#payments tbody tr").count() == len(_busy_fortnight())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "admin-13-reports.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000

    page.get_by_label("Clinician", exact=True).select_option(label="Zoë Müller")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_label("Clinician", exact=True)).to_have_value("dr-zoe")
    zoe_rows = [r for r in _busy_fortnight() if r.clinician == ZOE]
    expect(page.locator("#payments tbody tr")).to_have_count(len(zoe_rows))

    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == "paygate-clinic_1-2024-05-06-2024-05-19.csv"
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    exported = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {r["clinician"] for r in exported} == {"Zoë Müller"}
    assert sorted(r["reference"] for r in exported) == sorted(r.ref for r in zoe_rows)
