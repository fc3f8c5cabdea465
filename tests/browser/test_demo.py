"""`paygate demo` as a newcomer runs it: one command, then the whole flow in the demo room."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

pytestmark = pytest.mark.browser


def two_free_ports() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
        if port >= 65000:
            continue
        try:
            with socket.socket() as b, socket.socket() as c:
                b.bind(("127.0.0.1", port))
                c.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two free ports in a row")


def start_demo() -> tuple[subprocess.Popen[str], str]:
    """`paygate demo` in a subprocess, once its banner says it is ready."""
    port = two_free_ports()
    process = subprocess.Popen(
        [sys.executable, "-m", "paygate.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    banner = ""
    deadline = time.monotonic() + 60  # a busy machine: importing and migrating take a while
    while "Press Ctrl+C" not in banner:
        line = process.stdout.readline()
        if (not line and process.poll() is not None) or time.monotonic() > deadline:
            process.kill()
            process.wait()
            process.stdout.close()
            raise AssertionError(f"the demo did not start:\n{banner}")
        banner += line
    assert f"http://127.0.0.1:{port}/demo" in banner
    return process, banner


def scratch_folder(banner: str) -> Path:
    found = re.search(r"Scratch folder\s+(\S+)", banner)
    assert found is not None, banner
    return Path(found.group(1))


@pytest.fixture
def demo() -> Iterator[tuple[str, str]]:
    process, banner = start_demo()
    assert process.stdout is not None
    room = re.search(r"Demo call room\s+(\S+)", banner)
    assert room is not None
    yield room.group(1), banner
    process.send_signal(signal.SIGINT)
    try:
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_the_demo_room_plays_the_whole_flow(demo: tuple[str, str], browser: Any) -> None:
    room_url, banner = demo
    assert "4242 4242 4242 4242" in banner
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    try:
        page = context.new_page()
        page.goto(room_url)
        doctor = page.frame_locator("iframe[name='paygate-clinician']")
        patient = page.frame_locator("iframe[name='paygate-patient']")
        expect(patient.get_by_role("heading", name="No payment requested")).to_be_visible()
        clinician_view = page.get_by_role("region", name="Clinician view")
        clinician_view.get_by_role("button", name="Apps & Tools").click()
        expect(doctor.get_by_text("Live")).to_be_visible()
        shot(page, "0-demo-room")

        doctor.get_by_role("button", name="Request Payment").click()
        doctor.get_by_label("Amount").fill("120")
        doctor.get_by_label("Payment description").fill("Telehealth consultation")
        doctor.get_by_role("button", name="Request Payment").click()
        patient.get_by_role("button", name="Pay now").click()
        expect(patient.get_by_label("Email for your receipt")).to_have_value(
            "pat.doe@example.com")
        card = patient.frame_locator("iframe[title='Secure payment input frame']")
        card.get_by_label("Card number").fill("4242 4242 4242 4242")
        card.get_by_label("Expiration date").fill("12 / 34")
        card.get_by_label("Security code").fill("123")
        card.get_by_label("ZIP / Postal code").fill("94107")
        patient.get_by_role("button", name="Pay $120.00").click()

        expect(patient.get_by_role("status", name="Payment successful")).to_contain_text(
            "$120.00")
        expect(doctor.get_by_role("dialog", name="Payment received")).to_contain_text(
            "Telehealth consultation")
        expect(page.get_by_role("region", name="Events the host page received")
               ).to_contain_text("paygate:payment-received")
        shot(page, "8-demo-room-paid")

        mail = context.new_page()
        mail.goto(room_url + "/mail")
        receipt = mail.get_by_role("article").first
        # The outbox sends in the background; the page refreshes itself every 5 s.
        expect(receipt).to_contain_text("Your receipt from Sunrise Clinic", timeout=15000)
        expect(receipt).to_contain_text("pat.doe@example.com")
        expect(receipt.frame_locator("iframe").get_by_text("$120.00")).to_be_visible()
        shot(mail, "9-demo-captured-email")
    finally:
        context.close()


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_stopping_the_demo_removes_its_scratch_folder(stop: signal.Signals) -> None:
    process, banner = start_demo()
    assert process.stdout is not None
    try:
        folder = scratch_folder(banner)
        assert (folder / "demo.db").is_file()  # the demo's database lives there
        process.send_signal(stop)
        assert process.wait(timeout=15) == 0
        assert not folder.exists(), f"{folder} was left behind"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def switch_to(page: Any, name: str) -> None:
    """A demo link for another person, opened over a session: the switch is confirmed."""
    expect(page.get_by_role("heading", name="Switch account?")).to_be_visible()
    page.get_by_role("button", name=re.compile(f"^Sign in as {name}")).click()


def test_the_admin_side_opens_from_the_demo_room(demo: tuple[str, str], browser: Any) -> None:
    """A newcomer walks the admin side from the demo room: the linked clinic's pages, then
    an enablement from the request to Go to Stripe, for a clinic without the add-on."""
    room_url, banner = demo
    assert f"Operator         {room_url}/admin/operator" in banner
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        room = context.new_page()
        room.goto(room_url)
        links = room.get_by_role("navigation", name="Demo links")

        with context.expect_page() as opened:
            links.get_by_role("link", name="Open as clinic admin").click()
        admin = opened.value
        expect(admin.get_by_role("heading", name="Clinics")).to_be_visible()
        expect(admin.get_by_text("Alex Admin")).to_be_visible()
        tabs = admin.get_by_role("navigation", name="Configure")
        tabs.get_by_role("link", name="Client Payments").click()
        expect(admin.get_by_role("heading", name="Linked Stripe account")).to_be_visible()
        expect(admin.locator('[data-field="name"]')).to_have_text("Sunrise Clinic")
        tabs.get_by_role("link", name="Reports").click()
        expect(admin.get_by_role("heading", name="Payment report")).to_be_visible()
        tabs.get_by_role("link", name="Undelivered").click()
        expect(admin.get_by_role("heading", name="Undelivered email")).to_be_visible()

        # Clicked again (a launch token is used once): a fresh sign-in, not an error.
        with context.expect_page() as again:
            links.get_by_role("link", name="Open as clinic admin").click()
        expect(again.value.get_by_role("heading", name="Clinics")).to_be_visible()
        again.value.close()

        # Enablement from the start, for Harbour Clinic.
        with context.expect_page() as opened:
            room.get_by_role("link", name="open as clinic admin of Harbour Clinic").click()
        hana = opened.value
        switch_to(hana, "")
        hana.get_by_role("navigation", name="Configure").get_by_role(
            "link", name="Client Payments").click()
        expect(hana.get_by_text("is not enabled for this clinic")).to_be_visible()
        hana.get_by_role("link", name="Request the Payment Gateway add-on").click()
        hana.get_by_label("Why do you need it?").fill("Video follow-ups with a visit fee.")
        hana.get_by_role("button", name="Send request").click()
        case = hana.get_by_role("heading", name=re.compile(r"Case PG-\d{6}"))
        expect(case).to_be_visible()
        reference = (case.text_content() or "").removeprefix("Case ").strip()

        # The request's email, answered from "Hana's mail client": the demo's listener.
        mail = context.new_page()
        mail.goto(room_url + "/mail")
        received = mail.get_by_role("article", name=re.compile("We received your request"))
        received.get_by_label(re.compile("Reply as hana@harbour.example")).fill(
            "We will charge in US dollars.")
        received.get_by_role("button", name="Send reply").click()
        expect(mail.get_by_role("status")).to_have_text("Sent: the reply is on the case.")
        hana.reload()
        expect(hana.get_by_text("We will charge in US dollars.")).to_be_visible()
        expect(hana.get_by_text("by email")).to_be_visible()
        mail.close()

        with context.expect_page() as opened:
            links.get_by_role("link", name="Open as operator").click()
        operator = opened.value
        switch_to(operator, "")
        expect(operator.get_by_text("Sam Operator")).to_be_visible()
        operator.get_by_role("navigation", name="Configure").get_by_role(
            "link", name="Operator console").click()
        operator.get_by_role("link", name=reference).click()
        operator.get_by_role("button", name="Approve and enable").click()
        expect(operator.locator('[data-field="case-status"]')).to_have_text("Resolved")

        # One browser holds one admin session: back to Harbour's admin through the room.
        hana.close()
        with context.expect_page() as opened:
            room.get_by_role("link", name="open as clinic admin of Harbour Clinic").click()
        hana = opened.value
        switch_to(hana, "")
        hana.get_by_role("navigation", name="Configure").get_by_role(
            "link", name="Client Payments").click()
        hana.get_by_role("button", name="Go to Stripe").click()
        expect(hana.get_by_role("heading", name="Connect your Stripe account")).to_be_visible()
        hana.locator('input[name="account"][value="new"]').check()
        hana.locator('input[name="business_name"]').fill("Harbour Clinic")
        hana.locator('input[name="email"]').fill("billing@harbour.example")
        hana.get_by_role("button", name="Authorize access to this account").click()
        expect(hana.get_by_role("status")).to_contain_text("Your Stripe account is linked")
    finally:
        context.close()


PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}


def frame_box(page: Any, frame_name: str, locator: Any) -> dict[str, float]:
    """An element's box inside a panel, in the top page's viewport coordinates."""
    outer = page.locator(f"iframe[name='{frame_name}']").bounding_box()
    inner = locator.evaluate("e => { const r = e.getBoundingClientRect();"
                             " return {x: r.x, y: r.y, width: r.width, height: r.height}; }")
    return {"x": outer["x"] + inner["x"], "y": outer["y"] + inner["y"],
            "width": inner["width"], "height": inner["height"]}


def inside_viewport(box: dict[str, float], width: int = 390, height: int = 844) -> bool:
    return (box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width
            and box["y"] + box["height"] <= height and box["height"] > 0)


def no_horizontal_overflow(page: Any) -> None:
    # Against the phone's width: its browser widens window.innerWidth to fit overflow.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["viewport"]["width"], f"{width} px of content in a 390 px screen"


def test_the_demo_room_on_a_phone(demo: tuple[str, str], browser: Any) -> None:
    """A 390x844 touch phone: the video stacks above the panel, nothing overflows or covers
    the panel's status line, fields are 16 px (no zoom on focus), and a declined card's
    message shows together with the Pay button."""
    room_url, _ = demo
    context = browser.new_context(**PHONE)
    try:
        page = context.new_page()
        page.goto(room_url)
        patient = page.frame_locator("iframe[name='paygate-patient']")
        doctor = page.frame_locator("iframe[name='paygate-clinician']")
        expect(patient.get_by_role("heading", name="No payment requested")).to_be_visible()
        no_horizontal_overflow(page)

        window = page.get_by_role("region", name="Patient view")
        video = window.locator(".stage").bounding_box()
        panel = window.get_by_role("complementary", name="Apps & Tools").bounding_box()
        assert video["height"] >= 200, "the video area folded"
        assert video["y"] + video["height"] <= panel["y"] + 1, "the video is not above"
        assert panel["width"] >= 340

        # The panel's status line is what a finger on it reaches (nothing covers it).
        live = patient.locator(".pg-conn")
        expect(live).to_have_text("Live")
        live.scroll_into_view_if_needed()
        box = frame_box(page, "paygate-patient", live)
        hit = page.evaluate("([x, y]) => { const e = document.elementFromPoint(x, y);"
                            " return e && (e.getAttribute('name') || e.className || e.tagName); }",
                            [box["x"] + 8, box["y"] + box["height"] / 2])
        assert hit == "paygate-patient", f"the status line is covered by {hit!r}"

        page.get_by_role("region", name="Clinician view").get_by_role(
            "button", name="Apps & Tools").tap()
        doctor.get_by_role("button", name="Request Payment").tap()
        amount = doctor.get_by_label("Amount")
        assert float(amount.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 16
        amount.fill("45")
        doctor.get_by_label("Payment description").fill("Follow-up consultation")
        doctor.get_by_role("button", name="Request Payment").tap()
        no_horizontal_overflow(page)

        patient.get_by_role("button", name="Pay now").tap()
        email = patient.get_by_label("Email for your receipt")
        expect(email).to_have_value("pat.doe@example.com")
        card = patient.frame_locator("iframe[title='Secure payment input frame']")
        for field in (email, card.get_by_label("Card number"),
                      card.get_by_label("Security code")):
            size = field.evaluate("e => getComputedStyle(e).fontSize")
            assert float(size[:-2]) >= 16, f"{size} input: iOS Safari would zoom"
        card.get_by_label("Card number").fill("4000 0000 0000 0002")
        card.get_by_label("Expiration date").fill("12 / 34")
        card.get_by_label("Security code").fill("123")
        card.get_by_label("ZIP / Postal code").fill("94107")
        pay = patient.get_by_role("button", name=re.compile(r"^Pay \S"))
        pay.tap()
        error = patient.get_by_test_id("pay-error")
        expect(error).to_have_text("The payment did not go through: Your card was declined.")
        page.wait_for_timeout(400)  # any scrolling the host does on the failure
        assert inside_viewport(frame_box(page, "paygate-patient", error)), "error out of view"
        assert inside_viewport(frame_box(page, "paygate-patient", pay)), "Pay out of view"
        no_horizontal_overflow(page)

        card.get_by_label("Card number").fill("4242 4242 4242 4242")
        shot(page, "phone-checkout")
        pay.tap()
        expect(patient.get_by_role("status", name="Payment successful")).to_contain_text("45")
        page.locator("iframe[name='paygate-patient']").scroll_into_view_if_needed()
        shot(page, "phone-confirmation")
        no_horizontal_overflow(page)
    finally:
        context.close()
