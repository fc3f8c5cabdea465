"""`paygate clinics ...` as an operator runs it: a real process against a sandbox Stripe."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import stripe

from tests.admin.conftest import admin_client
from tests.conftest import SECRET_KEY, STRIPE_CLIENT_ID, STRIPE_SECRET, Stack


def cli(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
    env.update({
        "PAYGATE_SECRET_KEY": SECRET_KEY,
        "PAYGATE_DATABASE_URL": stack.settings.database_url,
        "PAYGATE_DATA_DIR": str(stack.settings.data_dir),
        "PAYGATE_STRIPE_SECRET_KEY": STRIPE_SECRET,
        "PAYGATE_STRIPE_CLIENT_ID": STRIPE_CLIENT_ID,
        "PAYGATE_STRIPE_API_BASE": stack.sandbox_url,
        "PAYGATE_STRIPE_CONNECT_BASE": stack.sandbox_url,
    })
    return subprocess.run([sys.executable, "-m", "paygate.cli", "clinics", *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_enable_link_list_and_unlink(stack: Stack) -> None:
    empty = cli(stack, "list")
    assert empty.returncode == 0, empty.stderr
    assert "no clinics yet" in empty.stdout

    enabled = cli(stack, "enable", "org_1", "clinic_1", "--name", "Sunrise Clinic")
    assert enabled.returncode == 0, enabled.stderr
    assert "enabled for clinic_1 (Sunrise Clinic) in org_1" in enabled.stdout

    unknown = cli(stack, "link", "clinic_1", "acct_doesnotexist00")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("paygate: ")
    assert "acct_doesnotexist00" in unknown.stderr

    account = stack.connected_account("Sunrise Payments")
    linked = cli(stack, "link", "clinic_1", account)
    assert linked.returncode == 0, linked.stderr
    assert f"linked clinic_1 to {account} (Sunrise Payments, US, charges enabled)" in \
        linked.stdout

    listed = cli(stack, "list")
    line = next(row for row in listed.stdout.splitlines() if row.startswith("clinic_1"))
    assert line.split() == ["clinic_1", "org_1", "Sunrise", "Clinic", "enabled", account,
                            "enabled"]
    with admin_client(stack) as admin:
        assert account in admin.get("/admin/clinics/clinic_1/client-payments").text

    # Clinics of one organisation may share a Stripe account; another organisation may not.
    assert cli(stack, "enable", "org_1", "clinic_2", "--name", "Harbour Clinic").returncode == 0
    assert cli(stack, "link", "clinic_2", account).returncode == 0
    assert cli(stack, "enable", "org_2", "clinic_9", "--name", "Elsewhere").returncode == 0
    foreign = cli(stack, "link", "clinic_9", account)
    assert foreign.returncode == 1
    assert "already linked to a clinic of another organisation" in foreign.stderr

    with stack.login("clinician") as clinician:
        created = clinician.post("/api/v1/calls/call_1/payment-requests",
                                 json={"amount": 3000, "currency": "usd",
                                       "description": "Consultation"})
        assert created.status_code == 201, created.text
        unlinked = cli(stack, "unlink", "clinic_1")
        assert unlinked.returncode == 0, unlinked.stderr
        assert f"unlinked {account} from clinic_1" in unlinked.stdout
        request = clinician.get(f"/api/v1/payment-requests/{created.json()['id']}").json()
        assert request["status"] == "cancelled"
    # Harbour Clinic still uses the account, so paygate kept its Stripe access ...
    assert stack.stripe.v1.accounts.retrieve(account).id == account
    # ... until the last clinic using it is unlinked.
    assert cli(stack, "unlink", "clinic_2").returncode == 0
    with pytest.raises(stripe.PermissionError):
        stack.stripe.v1.accounts.retrieve(account)

    again = cli(stack, "unlink", "clinic_1")
    assert again.returncode == 1
    assert "has no linked Stripe account" in again.stderr
    missing = cli(stack, "link", "clinic_404", stack.connected_account("Other"))
    assert missing.returncode == 1
    assert "does not know a clinic 'clinic_404'" in missing.stderr
