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


@pytest.fixture
def demo() -> Iterator[tuple[str, str]]:
    port = two_free_ports()
    process = subprocess.Popen(
        [sys.executable, "-m", "paygate.cli", "demo", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None
    banner = ""
    deadline = time.monotonic() + 30
    while "Press Ctrl+C" not in banner:
        line = process.stdout.readline()
        if (not line and process.poll() is not None) or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"the demo did not start:\n{banner}")
        banner += line
    room = re.search(r"Demo call room\s+(\S+)", banner)
    assert room is not None and room.group(1) == f"http://127.0.0.1:{port}/demo"
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
