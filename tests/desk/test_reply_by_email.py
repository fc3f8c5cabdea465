"""Replies to case emails, sent by SMTP to paygate's own listener (and posted by a mail
provider's webhook): the reply lands in the case without its quoted history, attachments
wait for the sender's no-PHI confirmation on the web, a forged or forwarded reply is
refused, an auto-reply is ignored, and a reply to a closed case is answered with the way to
a follow-up."""

from __future__ import annotations

import re
import smtplib
import time
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from tests.admin.conftest import seed
from tests.conftest import Stack
from tests.desk.conftest import case_of, operator, post_form
from tests.payments.conftest import Login
from tests.servers import free_port

INBOUND_PORT = free_port()
SECRET = "inbound-" + "s" * 40
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
       b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
       b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def stack_overrides() -> dict[str, Any]:
    return {"inbound_smtp": ("127.0.0.1", INBOUND_PORT), "reply_domain": "reply.paygate.test",
            "inbound_secret": SECRET}


def reply_address(stack: Stack, to: str, subject: str) -> str:
    mail = stack.mail.mailbox.wait_for(lambda m: to in m.to and subject in m.subject,
                                       timeout=15)[-1]
    address = str(mail.message["Reply-To"])
    assert re.fullmatch(r"case-\d+-[a-z2-7]{16}@reply\.paygate\.test", address), address
    assert "Reply above this line" in mail.text()
    return address


def message(sender: str, to: str, body: str, **headers: str) -> EmailMessage:
    reply = EmailMessage()
    reply["From"], reply["To"], reply["Subject"] = sender, to, "Re: [PG-000001] update"
    reply["Message-ID"] = f"<{time.monotonic_ns()}@mail.example>"
    for name, value in headers.items():
        reply[name.replace("_", "-")] = value
    reply.set_content(body)
    return reply


def send(message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", INBOUND_PORT, timeout=10) as smtp:
        smtp.send_message(message)


def comments(client: httpx.Client) -> list[dict[str, Any]]:
    return list(case_of(client, "PG-000001")["comments"])


def wait_for_comments(client: httpx.Client, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(found := comments(client)) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_replies_by_email_from_the_requester_and_the_desk(stack: Stack, login: Login) -> None:
    seed(stack)
    dana = login("clinic_admin", name="Dana Admin", email="dana@sunrise.example")
    with operator(stack):
        pass  # Omar signs in once: he is a member of the desk, with his mailbox
    filed = dana.post("/api/v1/cases", json={
        "type": "other", "category": "general", "subject": "Receipts in French",
        "description": "Can patients get their receipts in French?", "clinic_id": "clinic_1"})
    assert filed.status_code == 201, filed.text
    to_omar = reply_address(stack, "omar@desk.example", "New case PG-000001")

    # Omar answers by email, with his mail client's quote of the case email below.
    send(message("Omar Operator <omar@desk.example>", to_omar,
                 "Yes: each patient picks the language of the payment page.\n\n"
                 "On Thu, 3 Dec 2026 at 17:02, paygate <payments@paygate.test>\nwrote:\n"
                 "> -- Reply above this line to add to the case --\n> Hello Omar,"))
    [first] = wait_for_comments(dana, 1)
    assert (first["author"], first["role"], first["via"]) == ("Omar Operator", "operator",
                                                              "email")
    assert first["body"] == "Yes: each patient picks the language of the payment page."
    assert case_of(dana, "PG-000001")["status"] == "open"

    # Dana replies to the reply email, with a screenshot: it waits for her confirmation.
    to_dana = reply_address(stack, "dana@sunrise.example", "New reply on PG-000001")
    with_file = message("dana@sunrise.example", to_dana, "Here is what a patient saw.\n"
                        "> Yes: each patient picks the language")
    with_file.add_attachment(PNG, maintype="image", subtype="png", filename="screen.png")
    send(with_file)
    second = wait_for_comments(dana, 2)[-1]
    assert (second["author"], second["body"], second["attachments"]) == (
        "Dana Admin", "Here is what a patient saw.", [])
    confirm = stack.mail.mailbox.wait_for(
        lambda m: "Confirm the attachments you sent to PG-000001" in m.subject, timeout=15)
    assert "/admin/requests/PG-000001" in confirm[-1].text()
    with operator(stack) as omar:
        assert "screen.png" not in omar.get("/admin/requests/PG-000001").text
    from tests.admin.conftest import admin_client
    with admin_client(stack, "clinic_admin", name="Dana Admin",
                      email="dana@sunrise.example") as dana_web:
        page = dana_web.get("/admin/requests/PG-000001").text
        assert "Attachments you sent by email" in page and "screen.png" in page
        assert post_form(dana_web, "/admin/requests/PG-000001/attachments",
                         keep="yes").status_code == 303
    assert comments(dana)[-1]["attachments"] == ["screen.png"]

    # Refused: an address with a made-up signature, and Dana's address used by another
    # mailbox (a forwarded email). Neither adds anything.
    forged = to_dana.replace(to_dana.split("-")[2][:4], "aaaa")
    for sender, to in (("dana@sunrise.example", forged), ("mallory@evil.example", to_dana)):
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(message(sender, to, "Please refund to my other card."))
        assert refused.value.smtp_code == 550
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(message("dana@sunrise.example", "someone@reply.paygate.test", "Hello?"))
    # An out-of-office reply is taken and dropped.
    send(message("dana@sunrise.example", to_dana, "I am away until Monday.",
                 Auto_Submitted="auto-replied"))
    time.sleep(0.5)
    assert len(comments(dana)) == 2

    # The mail provider's webhook is the same door, behind its secret.
    posted = message("dana@sunrise.example", to_dana, "Sent through the provider.")
    wrong = httpx.post(f"{stack.url}/inbound/email", content=bytes(posted),
                       headers={"Content-Type": "message/rfc822",
                                "Authorization": "Bearer " + "x" * 40})
    assert wrong.status_code == 401
    ok = httpx.post(f"{stack.url}/inbound/email", files={"email": ("m.eml", bytes(posted))},
                    data={"to": to_dana}, auth=("paygate", SECRET))
    assert ok.status_code == 200 and ok.json() == {"outcome": "added"}, ok.text
    again = httpx.post(f"{stack.url}/inbound/email", content=bytes(posted),
                       headers={"Content-Type": "message/rfc822",
                                "Authorization": f"Bearer {SECRET}"})
    assert again.json() == {"outcome": "added"}
    assert [c["body"] for c in comments(dana)][-1] == "Sent through the provider."
    assert len(comments(dana)) == 3  # the same message twice is one comment

    # Closed: a reply is not added; the sender is told how to follow up.
    with operator(stack) as omar:
        assert post_form(omar, "/admin/requests/PG-000001/reject",
                         resolution="Answered: language is the patient's choice."
                         ).status_code == 303
    send(message("dana@sunrise.example", to_dana, "One more question..."))
    answer = stack.mail.mailbox.wait_for(
        lambda m: "PG-000001 is closed, so your reply was not added" in m.subject,
        timeout=15)[-1]
    assert f"{stack.url}/admin/cases/new?follows=PG-000001" in answer.text()
    assert len(comments(dana)) == 3
