"""A host platform in any language signs its own JWT launch tokens (RFC 7519) and paygate
takes them wherever it takes a launch token: the session exchange, the widget's frame, the
admin sign-in. Tokens here are minted with joserfc (paygate reads them with PyJWT) and with
Node's `jose`, against a JWKS served by a real HTTP server; every refusal is a 401 with its
own code, and a refused token is not spent."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.conftest import Stack
from tests.npm import packages, tool
from tests.payments.conftest import Clinic, request_payment
from tests.servers import serve_asgi

ISSUER = "https://video.example"
SECRET = "host-platform-shared-secret-" + "x" * 16
RSA = RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
EC = ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
ED = OKPKey.generate_key("Ed25519", parameters={"kid": "ed-1"})
LATER = RSAKey.generate_key(2048, parameters={"kid": "rsa-2"})  # published mid-test


class Keys:
    """The host's JWKS endpoint: what it publishes, and how often paygate fetched it."""

    def __init__(self) -> None:
        self.published = [RSA, EC, ED]
        self.fetches = 0

    async def endpoint(self, request: Request) -> JSONResponse:
        self.fetches += 1
        return JSONResponse({"keys": [k.as_dict(private=False) for k in self.published]})


@pytest.fixture
def keys() -> Iterator[Keys]:
    found = Keys()
    with serve_asgi(Starlette(routes=[Route("/jwks.json", found.endpoint)])) as url:
        found.url = url + "/jwks.json"  # type: ignore[attr-defined]
        yield found


@pytest.fixture
def stack_overrides(request: pytest.FixtureRequest, keys: Keys) -> dict[str, Any]:
    mode = getattr(request, "param", "both")
    return {"launch_issuer": ISSUER,
            "launch_jwt_secret": None if mode == "jwks" else SECRET,
            "launch_jwks_url": keys.url}  # type: ignore[attr-defined]


def claims(role: str = "clinician", **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {"iss": ISSUER, "aud": "paygate", "sub": "dr-lee", "iat": now,
                            "exp": now + 300, "jti": secrets.token_urlsafe(12),
                            "role": role, "org": "org_1", "clinic": "clinic_1",
                            "call": "call_1", "name": "Dr Lee", "locale": "fr"}
    if role in ("org_admin", "operator"):
        base.pop("clinic"), base.pop("call")
    if role == "clinic_admin":
        base.pop("call")
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def mint(body: dict[str, Any], key: Any = RSA, alg: str = "RS256") -> str:
    header = {"alg": alg, "typ": "JWT"}
    if alg != "HS256":
        header["kid"] = key.kid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # joserfc calls EdDSA deprecated (RFC 9864)
        return jwt.encode(header, body, key, algorithms=[alg])


def b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


def exchange(stack: Stack, token: str) -> httpx.Response:
    return httpx.post(f"{stack.url}/api/v1/sessions", json={"launch_token": token})


def refused(stack: Stack, token: str) -> str:
    response = exchange(stack, token)
    assert response.status_code == 401, response.text
    return str(response.json()["error"]["code"])


def test_a_host_signs_with_each_key_kind_and_the_clinician_takes_payments(
        stack: Stack, clinic: Clinic) -> None:
    for key, alg in ((RSA, "RS256"), (EC, "ES256"), (ED, "EdDSA"),
                     (OctKey.import_key(SECRET), "HS256")):
        issued = exchange(stack, mint(claims(), key, alg))
        assert issued.status_code == 201, (alg, issued.text)
        assert issued.json()["role"] == "clinician", alg
    access = exchange(stack, mint(claims())).json()["access_token"]
    with httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {access}"}) as c:
        created = request_payment(c, 4550, description="Consultation")
        listed = c.get("/api/v1/calls/call_1/payment-requests").json()
        assert [r["id"] for r in listed["requests"]] == [created["id"]]
    # The widget's frame takes the token's locale before it is exchanged.
    frame = httpx.get(f"{stack.url}/widget/frame", params={"launch": mint(claims())})
    assert frame.status_code == 200 and 'lang="fr"' in frame.text


def test_every_refusal_has_its_code_and_spends_nothing(stack: Stack, clinic: Clinic) -> None:
    now = int(time.time())
    unsigned = ".".join(b64(part) for part in ({"alg": "none", "typ": "JWT"}, claims())) + "."
    tampered = mint(claims())
    head, _, sig = tampered.split(".")
    forged_body = b64(claims(role="clinic_admin", call=None))
    cases = {
        "token_algorithm_refused": [unsigned, mint(claims(), RSA, "RS384")],
        "token_signature_invalid": [f"{head}.{forged_body}.{sig}",
                                    mint(claims(), OctKey.import_key("z" * 40), "HS256")],
        "token_key_unknown": [mint(claims(), RSAKey.generate_key(
            2048, parameters={"kid": "nobody"}))],
        "token_issuer_invalid": [mint(claims(iss="https://evil.example"))],
        "token_audience_invalid": [mint(claims(aud="someone-else"))],
        "token_expired": [mint(claims(iat=now - 900, exp=now - 120))],
        "token_not_yet_valid": [mint(claims(nbf=now + 600))],
        "token_lifetime_too_long": [mint(claims(exp=now + 7200))],
        "token_claims_invalid": [mint(claims(jti=None)), mint(claims(role="superuser")),
                                 mint(claims(clinic=None)), mint(claims(call=None))],
    }
    for code, tokens in cases.items():
        for token in tokens:
            assert refused(stack, token) == code, token
    # Within the 60 s of leeway a slightly early or late clock is fine.
    assert exchange(stack, mint(claims(iat=now - 30, exp=now - 30 + 60))).status_code == 201
    assert exchange(stack, mint(claims(nbf=now + 30))).status_code == 201
    # A clinic the host platform already said is org_1's cannot be named for another org.
    assert refused(stack, mint(claims(org="org_9"))) == "clinic_of_another_org"
    once = mint(claims())
    assert exchange(stack, once).status_code == 201
    assert refused(stack, once) == "token_already_used"


@pytest.mark.parametrize("stack_overrides", ["jwks"], indirect=True)
def test_with_only_a_jwks_an_hs256_token_signed_with_the_public_key_is_refused(
        stack: Stack) -> None:
    # The classic confusion: the public key (which anyone has) used as an HMAC secret.
    # joserfc refuses to make such a token, so it is made by hand.
    signing_input = ".".join(b64(part) for part in ({"alg": "HS256", "typ": "JWT"},
                                                     claims()))
    mac = hmac.new(RSA.as_pem(private=False), signing_input.encode(), hashlib.sha256)
    confused = f"{signing_input}.{base64.urlsafe_b64encode(mac.digest()).rstrip(b'=').decode()}"
    assert refused(stack, confused) == "token_algorithm_refused"
    assert exchange(stack, mint(claims())).status_code == 201


def test_a_rotated_key_is_fetched_once_and_unknown_kids_do_not_hammer_the_host(
        stack: Stack, keys: Keys) -> None:
    assert exchange(stack, mint(claims())).status_code == 201
    assert keys.fetches == 1
    keys.published.append(LATER)
    # Cached a moment ago: an unknown kid is refused without a refetch within the minute...
    for _ in range(5):
        assert refused(stack, mint(claims(), LATER)) == "token_key_unknown"
    assert keys.fetches == 1
    assert exchange(stack, mint(claims(), EC, "ES256")).status_code == 201
    assert keys.fetches == 1


def test_an_org_admin_signs_in_to_the_admin_pages_with_a_jwt(stack: Stack) -> None:
    token = mint(claims("org_admin", sub="olga", name="Olga"), EC, "ES256")
    with httpx.Client(base_url=stack.url) as browser:
        signed_in = browser.get("/admin/login", params={"launch": token})
        assert signed_in.status_code == 303, signed_in.text
        assert "Olga" in browser.get("/admin/").text
    again = httpx.get(f"{stack.url}/admin/login", params={"launch": token})
    assert again.status_code == 401


JOSE = "jose@6.1.0"
NODE_MINT = """
import {SignJWT, importJWK} from "jose";
const [jwk, claims] = JSON.parse(process.argv[2]);
const key = await importJWK(jwk, "ES256");
process.stdout.write(await new SignJWT(claims).setProtectedHeader({alg: "ES256",
  kid: jwk.kid}).sign(key));
"""


def test_a_node_host_mints_with_jose_and_paygate_accepts_it(stack: Stack,
                                                             tmp_path: Path) -> None:
    node = tool("node", "runs the Node host's example")
    where = packages("paygate-jose", (JOSE,), "jose/package.json",
                     "runs the Node host's example")
    script = where / f"mint.{os.getpid()}.mjs"
    script.write_text(NODE_MINT, encoding="utf-8")
    minted = subprocess.run(
        [node, str(script), json.dumps([EC.as_dict(private=True), claims("patient")])],
        cwd=where, capture_output=True, text=True, timeout=60)
    assert minted.returncode == 0, minted.stderr
    issued = exchange(stack, minted.stdout.strip())
    assert issued.status_code == 201, issued.text
    assert issued.json()["role"] == "patient"
