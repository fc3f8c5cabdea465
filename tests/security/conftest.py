"""Security tests reuse the payments fixtures: a clinic linked to a sandbox account."""

from __future__ import annotations

from tests.payments import conftest as payments

clinic = payments.clinic
login = payments.login
