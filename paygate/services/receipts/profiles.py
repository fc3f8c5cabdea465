"""The clinic's receipt details, as its admin edits them in Client Payments > Edit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from paygate.domain.errors import InvalidInput
from paygate.domain.tax_ids import TaxId, TaxIdKind, parse_tax_id
from paygate.domain.text import check_text
from paygate.store.database import utcnow
from paygate.store.models import ClinicReceiptProfile

LEGAL_NAME_MAX = 200
ADDRESS_MAX = 300
PHONE_MAX = 40
FOOTER_MAX = 500


@dataclass(frozen=True)
class ProfileInput:
    """The form's fields, as typed."""

    legal_name: str = ""
    tax_id_kind: str = TaxIdKind.ABN.value
    tax_id: str = ""
    tax_id_label: str = ""
    address: str = ""
    phone: str = ""
    gst_registered: bool = False
    footer: str = ""

    @classmethod
    def of(cls, row: ClinicReceiptProfile | None) -> ProfileInput:
        if row is None:
            return cls()
        return cls(legal_name=row.legal_name, tax_id_kind=row.tax_id_kind or "abn",
                   tax_id=_shown_tax_id(row), tax_id_label=row.tax_id_label or "",
                   address=row.address, phone=row.phone, gst_registered=row.gst_registered,
                   footer=row.footer)


def tax_id_of(row: ClinicReceiptProfile | None) -> TaxId | None:
    if row is None or not row.tax_id or not row.tax_id_kind:
        return None
    kind = TaxIdKind(row.tax_id_kind)
    return TaxId(kind, row.tax_id, "ABN" if kind is TaxIdKind.ABN else row.tax_id_label or "")


def _shown_tax_id(row: ClinicReceiptProfile) -> str:
    tax_id = tax_id_of(row)
    return tax_id.display() if tax_id else ""


def _one_line(value: str, field: str, limit: int, what: str) -> str:
    text = check_text(value.strip(), field)
    if len(text) > limit:
        raise InvalidInput(f"Keep the {what} under {limit} characters.", field=field)
    return text


def _lines(value: str, field: str, limit: int, what: str) -> str:
    text = "\n".join(line.strip() for line in value.replace("\r\n", "\n").split("\n"))
    text = check_text(text.strip(), field, multiline=True).replace("\t", " ")
    if len(text) > limit:
        raise InvalidInput(f"Keep the {what} under {limit} characters.", field=field)
    return text


async def save_profile(tx: AsyncSession, clinic_id: str, form: ProfileInput
                       ) -> ClinicReceiptProfile:
    """Check every field, then write them; nothing is written when one is refused."""
    legal_name = _one_line(form.legal_name, "legal_name", LEGAL_NAME_MAX, "legal name")
    tax_id = parse_tax_id(form.tax_id_kind, form.tax_id, form.tax_id_label)
    phone = _one_line(form.phone, "phone", PHONE_MAX, "phone number")
    address = _lines(form.address, "address", ADDRESS_MAX, "address")
    footer = _lines(form.footer, "footer", FOOTER_MAX, "footer")
    if form.gst_registered and (tax_id is None or tax_id.kind is not TaxIdKind.ABN):
        raise InvalidInput("A clinic registered for GST prints its ABN on tax invoices: "
                           "enter the ABN.", field="tax_id")
    row = await tx.get(ClinicReceiptProfile, clinic_id)
    if row is None:
        row = ClinicReceiptProfile(clinic_id=clinic_id)
        tx.add(row)
    row.legal_name, row.address, row.phone, row.footer = legal_name, address, phone, footer
    row.tax_id_kind = tax_id.kind.value if tax_id else None
    row.tax_id = tax_id.value if tax_id else None
    row.tax_id_label = tax_id.label if tax_id and tax_id.kind is TaxIdKind.OTHER else None
    row.gst_registered = form.gst_registered
    row.updated_at = utcnow()
    return row
