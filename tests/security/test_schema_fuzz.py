"""Schemathesis against a running paygate, on SQLite and PostgreSQL: requests generated
from /openapi.json (a fixed seed and a fixed number per operation, so every run sends the
same ones) must never get a 5xx, and every answer must match what the schema says:
documented status codes, content types, bodies and headers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

from tests.conftest import Stack
from tests.payments.conftest import Clinic, request_payment

EXAMPLES = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


def access_token(stack: Stack, role: str) -> str:
    response = httpx.post(f"{stack.url}/api/v1/sessions",
                          json={"launch_token": stack.token(role)})
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def fuzz(operation: Any, headers: dict[str, str], path_parameters: dict[str, str] | None,
         failures: list[str]) -> int:
    sent = 0

    @seed(15)
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(path_parameters=path_parameters))
    def run(case: Any) -> None:
        nonlocal sent
        sent += 1
        response = case.call(headers=headers, timeout=15)
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:  # collected: one report lists every disagreement
            failures.append(f"{operation.label} -> {response.status_code}: "
                            + "; ".join(str(e).splitlines()[0] for e in group.exceptions)
                            + f" ({response.text[:200]!r})")

    run()
    return sent


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_generated_requests_get_no_5xx_and_match_the_schema(stack: Stack,
                                                            clinic: Clinic) -> None:
    clinician = access_token(stack, "clinician")
    with httpx.Client(base_url=stack.url,
                      headers={"Authorization": f"Bearer {clinician}"}) as client:
        existing = request_payment(client)["id"]
    schema = schemathesis.openapi.from_url(f"{stack.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    failures: list[str] = []
    sent = 0
    for operation in operations:
        headers = {"Authorization": f"Bearer {access_token(stack, 'clinician')}"}
        sent += fuzz(operation, headers, None, failures)  # made-up ids
        names = {p.name for p in operation.iter_parameters() if p.location == "path"}
        if names:  # real ones: the operation reaches the request and its call
            real = {"call_id": "call_1", "request_id": existing, "tag": "fr"}
            sent += fuzz(operation, headers, {n: real[n] for n in names if n in real}, failures)
    assert sent >= len(operations) * EXAMPLES
    assert failures == [], "\n".join(failures)
