"""The service desk API as a clinic's admins and the desk use it: a payment case checked
against the clinic's own payments, a question answered and proposed resolved, "not
resolved" sending it back, resolved and rated, a closed case refusing replies and pointing
to a follow-up, and nobody outside the organisation seeing any of it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.admin.conftest import seed
from tests.conftest import Stack
from tests.desk.conftest import a_payment, case_of, operator, post_form
from tests.payments.conftest import Login

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


def payment_case(reference: str, **extra: Any) -> dict[str, Any]:
    return {"type": "payment", "category": "complaint", "subject": "Charged twice?",
            "description": "A patient says the card was charged twice for one visit.",
            "clinic_id": "clinic_1", "reference": reference, "priority": "high", **extra}


def test_a_payment_complaint_from_filing_to_a_rated_resolution(stack: Stack,
                                                                login: Login) -> None:
    paid = a_payment(stack, login)
    a_payment(stack, login, clinic="clinic_2")  # the same org's other clinic
    dana = login("clinic_admin", name="Dana Admin", email="dana@sunrise.example")

    # Wrong references are refused, each with the field named, and nothing is filed.
    for reference, words in (("PAY-ZZZZZZ", "is not a payment of Sunrise Clinic"),
                             ("", "needs the payment reference")):
        bad = dana.post("/api/v1/cases", json=payment_case(reference))
        assert bad.status_code == 400, bad.text
        assert bad.json()["error"]["field"] == "reference"
        assert words in bad.json()["error"]["message"]
    wrong_kind = dana.post("/api/v1/cases", json={**payment_case(paid["reference"]),
                                                  "category": "invoice"})
    assert wrong_kind.status_code == 400 and wrong_kind.json()["error"]["field"] == "category"
    assert dana.get("/api/v1/cases").json()["cases"] == []

    filed = dana.post("/api/v1/cases", json=payment_case(paid["reference"].lower()))
    assert filed.status_code == 201, filed.text
    case = filed.json()
    assert (case["number"], case["status"], case["priority"], case["department"]) == (
        "PG-000001", "new", "high", "payments")
    by_stripe_id = dana.post("/api/v1/cases", json=payment_case(
        paid["payment_intent_id"] if paid.get("payment_intent_id") else paid["id"],
        category="question", subject="Which card?"))
    assert by_stripe_id.status_code == 201, by_stripe_id.text

    with operator(stack) as omar:
        reply = post_form(omar, "/admin/requests/PG-000001/comments",
                          body="Could you send the patient's receipt number?", wait="yes")
        assert reply.status_code == 303
        assert case_of(dana, "PG-000001")["status"] == "waiting_on_requester"
        answered = dana.post("/api/v1/cases/PG-000001/comments",
                             json={"body": "It is on the receipt: " + paid["reference"]})
        assert answered.status_code == 201
        assert answered.json()["status"] == "open"
        assert post_form(omar, "/admin/requests/PG-000001/propose",
                         resolution="Only one charge reached Stripe; the other was a "
                                    "pending authorisation that dropped off.").status_code == 303

    assert case_of(dana, "PG-000001")["status"] == "proposed_resolved"
    vague = dana.post("/api/v1/cases/PG-000001/resolution", json={"resolved": False})
    assert vague.status_code == 400 and vague.json()["error"]["field"] == "comment"
    back = dana.post("/api/v1/cases/PG-000001/resolution", json={
        "resolved": False, "comment": "The patient still sees two lines on the statement."})
    assert back.status_code == 200 and back.json()["status"] == "not_resolved"

    with operator(stack) as omar:
        post_form(omar, "/admin/requests/PG-000001/propose",
                  resolution="The second line is the bank's pending hold; it drops in 5 days.")
    done = dana.post("/api/v1/cases/PG-000001/resolution",
                     json={"resolved": True, "rating": 5, "comment": "Clear, thank you."})
    assert done.status_code == 200, done.text
    detail = done.json()
    assert (detail["status"], detail["rating"]) == ("resolved", 5)
    assert [c["via"] for c in detail["comments"]] == ["web", "web"]
    history = [h["text"] for h in detail["history"]]
    assert history[0].startswith("Filed: A payment: a question or a complaint")
    assert any(t.startswith("Not resolved, says the requester") for t in history)
    assert history[-1].startswith("Marked resolved by the requester")

    late = dana.post("/api/v1/cases/PG-000001/comments", json={"body": "One more thing"})
    assert late.status_code == 409
    assert "follows_up: PG-000001" in late.json()["error"]["message"]
    again = dana.post("/api/v1/cases/PG-000001/resolution", json={"resolved": True})
    assert again.status_code == 409
    follow = dana.post("/api/v1/cases", json={**payment_case(paid["reference"]),
                                              "follows_up": "PG-000001"})
    assert follow.status_code == 201
    assert case_of(dana, follow.json()["number"])["follows_up"] == "PG-000001"

    statuses = {c["number"]: c["status"] for c in dana.get(
        "/api/v1/cases", params={"status": "resolved"}).json()["cases"]}
    assert statuses == {"PG-000001": "resolved"}
    assert dana.get("/api/v1/cases", params={"status": "done"}).status_code == 400


def test_nobody_outside_the_clinic_and_its_org_sees_or_answers_a_case(stack: Stack,
                                                                      login: Login) -> None:
    seed(stack)
    seed(stack, clinic_id="clinic_2", name="Harbour Clinic")
    seed(stack, clinic_id="clinic_9", org_id="org_2", name="Elsewhere Clinic")
    dana = login("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    filed = dana.post("/api/v1/cases", json={
        "type": "billing", "category": "fees", "subject": "Fee on refunds",
        "description": "Is the platform fee refunded with a refund?", "clinic_id": "clinic_1"})
    assert filed.status_code == 201, filed.text

    olivia = login("org_admin", clinic=None, name="Olivia Org")
    assert case_of(olivia, "PG-000001")["subject"] == "Fee on refunds"
    assert olivia.post("/api/v1/cases/PG-000001/comments",
                       json={"body": "I manage both clinics."}).status_code == 201

    outsiders: list[httpx.Client] = [
        login("clinic_admin", clinic="clinic_2", name="Harbour Admin"),
        login("org_admin", org="org_2", clinic=None, name="Other Org"),
        login("clinic_admin", org="org_2", clinic="clinic_9", name="Other Admin"),
    ]
    for outsider in outsiders:
        assert outsider.get("/api/v1/cases").json()["cases"] == []
        assert outsider.get("/api/v1/cases/PG-000001").status_code == 403
        refused = outsider.post("/api/v1/cases/PG-000001/comments", json={"body": "Hi"})
        assert refused.status_code == 403
    clinician = login("clinician", name="Dr Ada Grey")
    assert clinician.get("/api/v1/cases").status_code == 403
    for_them = dana.post("/api/v1/cases", json={
        "type": "other", "category": "general", "subject": "Theirs",
        "description": "A case for another org's clinic", "clinic_id": "clinic_9"})
    assert for_them.status_code == 400 and for_them.json()["error"]["field"] == "clinic_id"
    assert len(case_of(dana, "PG-000001")["comments"]) == 1


def test_the_cases_api_is_in_the_openapi_document(stack: Stack) -> None:
    paths = httpx.get(f"{stack.url}/openapi.json").json()["paths"]
    for path in ("/api/v1/cases", "/api/v1/cases/{number}",
                 "/api/v1/cases/{number}/comments", "/api/v1/cases/{number}/resolution"):
        assert path in paths
    assert "409" in paths["/api/v1/cases/{number}/comments"]["post"]["responses"]
