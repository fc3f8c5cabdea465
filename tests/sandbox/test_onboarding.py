"""Connected accounts made with Stripe's `controller` properties and onboarded through an
account link, in a real Chromium: the hosted form, single-use links, refresh_url, events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from playwright.sync_api import expect

from tests.sandbox.conftest import World, raw, wait_for

pytestmark = pytest.mark.browser

CONTROLLER = {"stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
              "losses": {"payments": "stripe"}, "requirement_collection": "stripe"}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def _new_account(world: World) -> stripe.Account:
    return world.client.v1.accounts.create({
        "controller": CONTROLLER, "country": "GB", "email": "owner@harbour.example",
        "business_profile": {"name": "Harbour Clinic"}})


def _link(world: World, account: str, kind: str = "account_onboarding") -> str:
    link = world.client.v1.account_links.create({
        "account": account, "type": kind, "return_url": f"{world.url}/dashboard?done=1",
        "refresh_url": f"{world.url}/dashboard?refresh=1"})
    return str(link.url)


def test_controller_properties_make_a_full_dashboard_account_stripe_onboards(
        world: World) -> None:
    acct = _new_account(world)
    assert raw(acct)["controller"] == {
        "fees": {"payer": "account"}, "is_controller": True,
        "losses": {"payments": "stripe"}, "requirement_collection": "stripe",
        "stripe_dashboard": {"type": "full"}, "type": "application"}
    assert acct.type == "standard" and acct.default_currency == "gbp"
    assert (acct.charges_enabled, acct.payouts_enabled, acct.details_submitted) == (
        False, False, False)
    assert "external_account" in acct.requirements.currently_due
    # A Stripe-hosted Dashboard means Stripe collects updates: no account_update links.
    with pytest.raises(stripe.InvalidRequestError) as refused:
        _link(world, acct.id, "account_update")
    assert refused.value.param == "type"
    with pytest.raises(stripe.InvalidRequestError, match="cannot specify `type`"):
        world.client.v1.accounts.create({"type": "standard", "controller": CONTROLLER})
    with pytest.raises(stripe.InvalidRequestError) as bad:
        world.client.v1.accounts.create({"controller": {
            "stripe_dashboard": {"type": "full"}, "requirement_collection": "application"}})
    assert bad.value.param == "controller[requirement_collection]"


def test_onboarding_form_half_then_whole_with_single_use_links(
        page: Any, world: World) -> None:
    acct = _new_account(world)
    first = _link(world, acct.id)
    page.goto(first)
    expect(page.get_by_role("heading")).to_have_text("Finish setting up Harbour Clinic")
    # Submitting with fields empty is refused and names what is missing.
    page.get_by_label("Business website").fill("https://harbour.example")
    page.get_by_role("button", name="Agree and submit").click()
    expect(page.get_by_role("alert")).to_contain_text("Support phone number")
    expect(page.get_by_label("Business website")).to_have_value("https://harbour.example")
    assert world.client.v1.accounts.retrieve(acct.id).charges_enabled is False
    # Half of it, saved for later: back to return_url, those fields no longer due.
    page.get_by_label("Support phone number").fill("+44 20 7946 0000")
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_url(f"{world.url}/dashboard?done=1")
    half = world.client.v1.accounts.retrieve(acct.id)
    assert "business_profile.url" not in half.requirements.currently_due
    assert "external_account" in half.requirements.currently_due
    assert half.charges_enabled is False and half.business_profile.url == (
        "https://harbour.example")
    # The link was used: opening it again goes to refresh_url, as Stripe's do.
    page.goto(first)
    page.wait_for_url(f"{world.url}/dashboard?refresh=1")

    page.goto(_link(world, acct.id))
    assert page.get_by_label("Business website").count() == 0  # no longer asked for
    page.get_by_label("What the business sells").fill("Video consultations")
    page.get_by_label("Bank account number (test: 000123456789)").fill("000123456789")
    page.get_by_label("I agree to the Stripe Connected Account Agreement").check()
    page.get_by_role("button", name="Agree and submit").click()
    page.wait_for_url(f"{world.url}/dashboard?done=1")
    done = world.client.v1.accounts.retrieve(acct.id)
    assert (done.charges_enabled, done.payouts_enabled, done.details_submitted) == (
        True, True, True)
    assert done.requirements.currently_due == [] and done.requirements.disabled_reason is None
    assert done.external_accounts.data[0].last4 == "6789"
    assert done.tos_acceptance.date is not None

    updates = wait_for(lambda: [e for e in world.receiver.accepted(
        type="account.updated", account=acct.id)] if len(world.receiver.accepted(
            type="account.updated", account=acct.id)) >= 2 else None,
        what="two account.updated events")
    last = updates[-1]["json"]
    assert last["data"]["object"]["charges_enabled"] is True
    assert last["data"]["previous_attributes"]["charges_enabled"] is False


def test_an_expired_link_sends_the_browser_to_refresh_url(
        page: Any, world: World) -> None:
    acct = _new_account(world)
    url = _link(world, acct.id)
    token = url.rsplit("/", 1)[1]
    # Stripe's links last minutes; the sandbox's test hook ages this one now.
    httpx.post(f"{world.url}/_sandbox/account_links/{token}/expire").raise_for_status()
    page.goto(url)
    page.wait_for_url(f"{world.url}/dashboard?refresh=1")
