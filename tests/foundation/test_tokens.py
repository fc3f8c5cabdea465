"""Launch tokens: signed, short-lived, single use, scoped; tampering is refused."""

from __future__ import annotations

import time

import pytest

from paygate.domain.errors import InvalidInput, InvalidToken, TokenExpired
from paygate.domain.principals import Role
from paygate.services.auth.tokens import TokenSigner
from tests.conftest import SECRET_KEY, mint


def test_launch_token_carries_the_claims(signer: TokenSigner) -> None:
    token = mint(signer, Role.CLINICIAN, org="o1", clinic="c1", call="k1", user="u1",
                 name="Dr Ada", email="ada@example.com", locale="fr")
    claims = signer.read_launch(token)
    p = claims.principal
    assert (p.role, p.org_id, p.clinic_id, p.call_id) == (Role.CLINICIAN, "o1", "c1", "k1")
    assert (p.user_id, p.name, p.email, p.locale) == ("u1", "Dr Ada", "ada@example.com", "fr")
    assert claims.jti and claims.expires_at > time.time()


def test_each_launch_token_has_a_unique_id(signer: TokenSigner) -> None:
    ids = {signer.read_launch(mint(signer, Role.PATIENT)).jti for _ in range(50)}
    assert len(ids) == 50


def test_expired_launch_token_is_refused(signer: TokenSigner) -> None:
    token = mint(signer, Role.PATIENT, ttl=1)
    time.sleep(1.2)
    with pytest.raises(TokenExpired):
        signer.read_launch(token)


def test_tampered_token_is_refused(signer: TokenSigner) -> None:
    token = mint(signer, Role.PATIENT)
    payload, rest = token[1:].split(".", 1)
    forged = "." + payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1] + "." + rest
    with pytest.raises(InvalidToken):
        signer.read_launch(forged)


def test_token_from_another_secret_is_refused() -> None:
    other = TokenSigner("another-secret-key-" + "y" * 32)
    with pytest.raises(InvalidToken):
        TokenSigner(SECRET_KEY).read_launch(mint(other, Role.PATIENT))


def test_access_token_is_not_a_launch_token(signer: TokenSigner) -> None:
    """One salt per purpose: an access token never verifies as a launch token."""
    principal = signer.read_launch(mint(signer, Role.PATIENT)).principal
    access = signer.mint_access(principal, "sid", int(time.time()) + 60)
    with pytest.raises(InvalidToken):
        signer.read_launch(access)
    assert signer.read_access(access, 3600).user_id == principal.user_id


@pytest.mark.parametrize(("role", "clinic", "call", "field"), [
    (Role.CLINICIAN, "c1", None, "call"),
    (Role.PATIENT, None, "k1", "clinic"),
    (Role.CLINIC_ADMIN, None, None, "clinic"),
])
def test_minting_refuses_missing_scope(signer: TokenSigner, role: Role, clinic: str | None,
                                       call: str | None, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        signer.mint_launch(role=role, org_id="o1", user_id="u", name="n", clinic_id=clinic,
                           call_id=call)
    assert info.value.field == field


def test_minting_refuses_silly_lifetimes(signer: TokenSigner) -> None:
    with pytest.raises(InvalidInput):
        mint(signer, Role.PATIENT, ttl=0)
    with pytest.raises(InvalidInput):
        mint(signer, Role.PATIENT, ttl=10 * 24 * 3600)
