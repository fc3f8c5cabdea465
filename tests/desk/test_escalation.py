"""Time and the desk, with a clock the test moves (it ages the case's due time, as a late
answer would): a critical case nobody answered escalates to tier 2, whose group is
emailed, then to tier 3; the operator console puts it on top, marked overdue; a proposed
resolution nobody answers closes by itself and the requester is told."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from paygate.store.database import Database, utcnow
from paygate.store.models import Case, CaseAttachment
from tests.admin.conftest import admin_client, csrf_of, run_async, seed
from tests.conftest import Stack
from tests.desk.conftest import case_of, operator, post_form
from tests.desk.test_reply_by_email import PNG
from tests.payments.conftest import Login, wait_until

pytestmark = pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    return {"reconcile_interval": 1}


def age(stack: Stack, case_id: int, **values: Any) -> None:
    async def run() -> None:
        db = Database(stack.settings.database_url)
        try:
            async with db.transaction() as tx:
                await tx.execute(update(Case).where(Case.id == case_id).values(**values))
        finally:
            await db.close()
    run_async(run)


def test_an_unanswered_critical_case_climbs_the_tiers(stack: Stack, login: Login) -> None:
    seed(stack)
    with operator(stack, "op-1", "Omar Operator", "omar@desk.example"):
        pass
    with operator(stack, "op-2", "Tess Tier-two", "tess@desk.example"):
        pass
    with operator(stack, "op-3", "Uma Lead", "uma@desk.example") as uma:
        for user, tier, department in (("op-2", "2", "payments"), ("op-3", "3", "")):
            saved = uma.post("/admin/operator/team", data={
                "csrf": csrf_of(uma.get("/admin/operator").text), "user_id": user,
                "tier": tier, "department": department})
            assert saved.status_code == 303
    dana = login("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    for subject, priority in (("Payments are down", "critical"), ("A question", "planned")):
        assert dana.post("/api/v1/cases", json={
            "type": "payment", "category": "declined", "subject": subject,
            "description": "Every card is declined since this morning.",
            "clinic_id": "clinic_1", "priority": priority}).status_code == 201
    # Tier 1 (Omar, who has no department) hears of both cases.
    stack.mail.mailbox.wait_for(lambda m: "omar@desk.example" in m.to
                                and "New case PG-000001" in m.subject, timeout=15)
    assert case_of(dana, "PG-000001")["tier"] == 1

    age(stack, 1, due_at=utcnow() - timedelta(minutes=5))
    notice = stack.mail.mailbox.wait_for(lambda m: "tess@desk.example" in m.to
                                         and "PG-000001 escalated to tier 2" in m.subject,
                                         timeout=15)[0]
    assert "the first answer was due" in notice.text()
    detail = case_of(dana, "PG-000001")
    assert detail["tier"] == 2
    assert detail["history"][-1]["text"].startswith("Escalated to tier 2")
    assert case_of(dana, "PG-000002")["tier"] == 1  # not yet due

    with operator(stack, "op-1", "Omar Operator", "omar@desk.example") as omar:
        console = omar.get("/admin/operator").text
        assert console.index("PG-000001") < console.index("PG-000002")
        assert "Overdue" not in console  # the new tier has a fresh hour
        age(stack, 1, due_at=utcnow() - timedelta(minutes=1))
        stack.mail.mailbox.wait_for(lambda m: "uma@desk.example" in m.to
                                    and "escalated to tier 3" in m.subject, timeout=15)
        assert case_of(dana, "PG-000001")["tier"] == 3
        # Tier 3 is the top: overdue stays overdue, on top of the console.
        age(stack, 1, due_at=utcnow() - timedelta(minutes=1))
        assert "Overdue" in omar.get("/admin/operator").text

        # Answered and proposed resolved, then left unanswered for the stated 7 days.
        assert post_form(omar, "/admin/requests/PG-000002/propose",
                         resolution="Your Stripe account needed a document; it is "
                                    "verified now.").status_code == 303
    age(stack, 2, proposed_at=utcnow() - timedelta(days=7, minutes=1))
    closed = stack.mail.mailbox.wait_for(lambda m: "dana@sunrise.example" in m.to
                                         and "PG-000002 is closed" in m.subject, timeout=15)
    assert "Open a follow-up case" in closed[0].text()
    assert case_of(dana, "PG-000002")["status"] == "closed"
    assert dana.post("/api/v1/cases/PG-000002/comments",
                     json={"body": "Still declined"}).status_code == 409


def test_routing_and_reassignment_keep_their_history(stack: Stack, login: Login) -> None:
    seed(stack)
    with operator(stack, "op-2", "Tess Tier-two", "tess@desk.example"):
        pass
    dana = login("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    filed = dana.post("/api/v1/cases", json={
        "type": "billing", "category": "invoice", "subject": "Invoice total",
        "description": "The November invoice counts a refunded payment.",
        "clinic_id": "clinic_1", "reference": "INV-2026-11", "colleague": "op-2"})
    assert filed.status_code == 201, filed.text
    assert filed.json()["assignee"] == "Tess Tier-two"
    stack.mail.mailbox.wait_for(lambda m: "tess@desk.example" in m.to
                                and "New case PG-000001" in m.subject, timeout=15)
    unknown = dana.post("/api/v1/cases", json={
        "type": "other", "category": "general", "subject": "x", "description": "y",
        "clinic_id": "clinic_1", "colleague": "op-404"})
    assert unknown.status_code == 400 and unknown.json()["error"]["field"] == "colleague"

    with operator(stack, "op-1", "Omar Operator", "omar@desk.example") as omar:
        assert post_form(omar, "/admin/requests/PG-000001/assign").status_code == 303
        assert post_form(omar, "/admin/requests/PG-000001/reassign",
                         colleague="op-2").status_code == 303
        assert post_form(omar, "/admin/requests/PG-000001/reassign",
                         department="payments").status_code == 303
        assert post_form(omar, "/admin/requests/PG-000001/priority",
                         priority="high").status_code == 303
        bad = post_form(omar, "/admin/requests/PG-000001/priority", priority="urgent")
        assert bad.status_code == 400 and "Choose a priority" in bad.text
    detail = case_of(dana, "PG-000001")
    history = [h["text"] for h in detail["history"]]
    assert history[1:] == [
        "Assigned to Omar Operator. Status: in progress.",
        "Assigned to Tess Tier-two by Omar Operator.",
        "Moved to Payments support by Omar Operator.",
        "Priority changed from routine to high by Omar Operator."]
    assert (detail["assignee"], detail["department"], detail["priority"],
            detail["status"]) == (None, "payments", "high", "open")
    stack.mail.mailbox.wait_for(lambda m: "tess@desk.example" in m.to
                                and "PG-000001 was passed to you" in m.subject, timeout=15)


def test_files_of_a_preview_nobody_submitted_are_deleted_after_a_day(
        stack: Stack, login: Login) -> None:
    seed(stack)

    def preview(client: httpx.Client, subject: str) -> str:
        shown = client.post("/admin/cases/new", data={
            "csrf": csrf_of(client.get("/admin/cases/new").text), "mode": "form",
            "type": "other", "category": "general", "subject": subject,
            "description": "See the screenshot.", "priority": "routine",
            "route": "department", "department": "general", "no_phi": "yes"},
            files={"attachments": ("screen.png", PNG, "image/png")})
        assert shown.status_code == 200 and "Check your case" in shown.text, shown.text
        found = re.search(r'name="draft" value="([^"]+)"', shown.text)
        assert found is not None
        return found.group(1)

    def drafts() -> dict[str, int]:
        async def run() -> dict[str, int]:
            db = Database(stack.settings.database_url)
            try:
                async with db.sessions() as tx:
                    rows = (await tx.execute(select(CaseAttachment.draft, func.count())
                                             .where(CaseAttachment.case_id.is_(None))
                                             .group_by(CaseAttachment.draft))).all()
                return {str(d): int(n) for d, n in rows}
            finally:
                await db.close()
        return dict(run_async(run))

    with admin_client(stack, "clinic_admin") as dana:
        left = preview(dana, "Left open yesterday")
        fresh = preview(dana, "Still being written")
    assert drafts() == {left: 1, fresh: 1}

    async def yesterday() -> None:
        db = Database(stack.settings.database_url)
        try:
            async with db.transaction() as tx:
                await tx.execute(update(CaseAttachment).where(
                    CaseAttachment.draft == left).values(
                    created_at=utcnow() - timedelta(hours=25)))
        finally:
            await db.close()
    run_async(yesterday)
    wait_until(lambda: left not in drafts())  # the reconciler's next pass (every second)
    assert drafts() == {fresh: 1}  # a preview of today still submits with its file
