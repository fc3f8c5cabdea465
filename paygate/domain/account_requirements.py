"""What Stripe's words about a connected account mean to a clinic admin: requirement
names (`requirements.currently_due`) and why charges are disabled (`disabled_reason`)."""

from __future__ import annotations

# What a clinician (and the API) is told while Stripe does not accept charges on the account.
PAUSED = ("Card payments are paused for this clinic: Stripe does not accept charges on its "
          "account now. A clinic admin can see what Stripe needs in Configure > Client "
          "Payments.")
# Stripe's requirement names as words (others are shown as Stripe names).
REQUIREMENTS = {
    "business_profile.url": "the business's website",
    "business_profile.product_description": "what the business sells",
    "business_profile.support_phone": "a support phone number",
    "business_profile.mcc": "the business category",
    "external_account": "a bank account for payouts",
    "tos_acceptance.date": "acceptance of Stripe's terms",
    "tos_acceptance.ip": "acceptance of Stripe's terms",
    "business_type": "the type of business",
    "company.tax_id": "the company's tax id",
    "individual.verification.document": "an identity document",
    "individual.id_number": "the representative's id number",
    "individual.dob.day": "the representative's date of birth",
    "individual.dob.month": "the representative's date of birth",
    "individual.dob.year": "the representative's date of birth",
}
# Stripe's `requirements.disabled_reason` values (docs.stripe.com/api/accounts/object).
DISABLED_REASONS = {
    "requirements.past_due": "Stripe needs details that are now past due",
    "requirements.pending_verification": "Stripe is verifying the details given",
    "listed": "the account is on a prohibited persons or companies list",
    "platform_paused": "the platform paused the account",
    "rejected.fraud": "Stripe rejected the account for suspected fraud",
    "rejected.incomplete_verification": "Stripe rejected the account: verification was "
                                        "not completed",
    "rejected.listed": "Stripe rejected the account: it is on a prohibited list",
    "rejected.other": "Stripe rejected the account",
    "rejected.terms_of_service": "Stripe rejected the account for a breach of its terms",
    "under_review": "Stripe is reviewing the account",
    "other": "Stripe disabled the account",
    "action_required.requested_capabilities": "Stripe needs details for card payments",
}


def describe(names: str) -> list[str]:
    """Stripe's space-separated requirement names as words, each once, in Stripe's order."""
    out: list[str] = []
    for name in names.split():
        text = REQUIREMENTS.get(name, name)
        if text not in out:
            out.append(text)
    return out


def disabled_because(reason: str | None) -> str | None:
    """Why charges are disabled, in words (Stripe's value when paygate has none)."""
    if not reason:
        return None
    return DISABLED_REASONS.get(reason, reason)
