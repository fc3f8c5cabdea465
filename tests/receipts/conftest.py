"""A clinic with receipt details, a clinician with a provider number, and ways to read a
receipt PDF as a claimant's software would: its text, and the fonts it embeds."""

from __future__ import annotations

import io
import re
import struct
import unicodedata
from typing import Any

import httpx
from pypdf import PdfReader

from tests.admin.conftest import admin_client, csrf_of
from tests.conftest import Stack
from tests.payments import conftest as payments
from tests.payments.conftest import Login, pay, status_of, wait_until

clinic = payments.clinic  # the payments tests' fixtures
login = payments.login

ABN = "51 824 753 556"  # the ATO's own
PROFILE = {"legal_name": "Sunrise Clinic Pty Ltd", "tax_id_kind": "abn", "tax_id": ABN,
           "address": "1 Beach Road\nBondi NSW 2026", "phone": "02 9999 0000",
           "footer": "Thank you for choosing Sunrise.", "gst_registered": "on"}


def save_profile(stack: Stack, **changes: str) -> httpx.Response:
    form = {**PROFILE, **changes}
    form = {k: v for k, v in form.items() if v is not None}
    with admin_client(stack) as admin:
        page = admin.get("/admin/clinics/clinic_1/client-payments/edit")
        assert page.status_code == 200, page.text
        return admin.post("/admin/clinics/clinic_1/client-payments/receipts",
                          data={**form, "csrf": csrf_of(page.text)})


def paid_request(stack: Stack, login: Login, body: dict[str, Any], locale: str = "en",
                 provider_number: str | None = "2423451T") -> tuple[str, httpx.Client,
                                                                     httpx.Client]:
    clinician = login("clinician", name="Dr Jane Citizen", user="dr-jane",
                      provider_number=provider_number)
    patient = login("patient", name="Pat Doe", locale=locale)
    created = clinician.post("/api/v1/calls/call_1/payment-requests", json=body)
    assert created.status_code == 201, created.text
    request_id = created.json()["id"]
    answer = patient.post(f"/api/v1/payment-requests/{request_id}/receipt",
                          json={"email": "pat@example.com", "locale": locale})
    assert answer.status_code == 200, answer.text
    checkout = patient.get(f"/api/v1/payment-requests/{request_id}").json()
    assert pay(stack, checkout).status == "succeeded"
    wait_until(lambda: status_of(clinician, request_id) == "paid")
    return request_id, clinician, patient


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def loose(text: str) -> str:
    """Letters, marks and digits only, single spaced: text extracted from shaped Bengali
    carries stray code points between a consonant and its reordered vowel sign."""
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" else " " for c in text)
    return " ".join(kept.split())


def says(text: str, fact: str) -> bool:
    """Whether extracted `text` holds `fact`. Bengali is compared by its letters alone:
    pypdf reads the positioned vowel signs of shaped Bengali with stray spaces and
    code points between them (the glyphs drawn are right; the text layer is approximate)."""
    bengali = re.compile("[^\u0980-\u09ff]")
    if bengali.sub("", fact):
        return bengali.sub("", fact) in bengali.sub("", text)
    return loose(fact) in loose(text)


def embedded_fonts(content: bytes) -> dict[str, dict[str, Any]]:
    """Each embedded font's name, and for the used glyphs whether any is .notdef (GID 0):
    a character the font has no glyph for (tofu)."""
    found: dict[str, dict[str, Any]] = {}
    for page in PdfReader(io.BytesIO(content)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            mapping = descendant["/CIDToGIDMap"].get_object().get_data()
            used = _cids(list(descendant["/W"]))
            gids = {cid: struct.unpack(">H", mapping[2 * cid:2 * cid + 2])[0] for cid in used}
            found[str(font["/BaseFont"]).split("+", 1)[1]] = {
                "cids": len(used), "notdef": sorted(c for c, g in gids.items() if g == 0)}
    return found


def _cids(widths: list[Any]) -> set[int]:
    cids: set[int] = set()
    index = 0
    while index < len(widths):
        first = int(widths[index])
        if isinstance(widths[index + 1], list) or hasattr(widths[index + 1], "__iter__"):
            cids.update(range(first, first + len(widths[index + 1])))
            index += 2
        else:
            cids.update(range(first, int(widths[index + 1]) + 1))
            index += 3
    return cids
