"""PaymentGateway over the official stripe SDK (async methods, httpx transport).

The same code talks to real Stripe or to paygate's sandbox: only the base URLs differ.
Stripe's exceptions are mapped here to paygate's domain errors: anything that means "no
answer" (connection errors, timeouts, 5xx, rate limits, a concurrent request with the same
idempotency key) is PaymentProviderUnavailable, "Stripe is not answering, try again."
Every call has a timeout and the SDK's bounded retries (with backoff); every POST that
creates or changes something carries an idempotency key fixed by the caller per operation,
so the SDK's retries and the user's are safe."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import stripe
from stripe.params import (
    AccountCreateParams,
    PaymentIntentCaptureParams,
    PaymentIntentCreateParams,
    PaymentIntentListParams,
    RefundCreateParams,
)

from paygate.adapters.stripe_objects import (
    account_info,
    balance_line,
    intent_info,
    payout_info,
)
from paygate.domain.errors import (
    AccountNotLinked,
    IntentStateRefused,
    InvalidInput,
    NotFound,
    PaymentProviderError,
    PaymentProviderUnavailable,
)
from paygate.services.ports import (
    AccountInfo,
    BalanceLine,
    DisputeInfo,
    IntentInfo,
    PayoutInfo,
    RefundInfo,
    dispute_of,
)

T = TypeVar("T")
UNAVAILABLE = "Stripe is not answering, try again."
MAX_PAYOUT_LINES = 5000


Observer = Callable[[str, str, int | None], None]  # method, url, status (None: no answer)


class _ObservedClient(stripe.HTTPXClient):
    """The SDK's HTTP client, telling `observe` of every request it made (metrics)."""

    def __init__(self, observe: Observer | None, **options: Any) -> None:
        super().__init__(**options)
        self._observe = observe

    async def request_async(self, method: str, url: str, headers: Mapping[str, str],
                            post_data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        try:
            answer = await super().request_async(method, url, headers, post_data)
        except Exception:
            if self._observe is not None:
                self._observe(method, url, None)
            raise
        if self._observe is not None:
            self._observe(method, url, answer[1])
        return answer


class StripeGateway:
    def __init__(self, *, secret_key: str, publishable_key: str | None, client_id: str | None,
                 webhook_secrets: tuple[str, ...], api_base: str, connect_base: str,
                 timeout: float = 10.0, max_retries: int = 2, tolerance: int = 300,
                 on_request: Observer | None = None) -> None:
        self.publishable_key = publishable_key
        self.livemode = secret_key.startswith(("sk_live_", "rk_live_"))
        self._client_id = client_id
        self._connect_base = connect_base.rstrip("/")
        self._webhook_secrets = webhook_secrets
        self._tolerance = tolerance
        self._http = _ObservedClient(on_request, timeout=timeout, allow_sync_methods=False)
        self._client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base, "connect": connect_base},
            http_client=self._http,
            max_network_retries=max_retries,
        )

    async def aclose(self) -> None:
        """Close the pooled connections (the app's lifespan ends with this)."""
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, awaitable: Awaitable[T]) -> T:
        try:
            return await awaitable
        except stripe.CardError as exc:
            raise PaymentProviderError(exc.user_message or "The card was declined.") from None
        except (stripe.APIConnectionError, stripe.RateLimitError):
            raise PaymentProviderUnavailable(UNAVAILABLE) from None
        except stripe.PermissionError:
            raise AccountNotLinked(
                "The clinic's Stripe account no longer allows paygate to act for it."
            ) from None
        except stripe.oauth_error.OAuthError as exc:
            raise InvalidInput(exc.user_message or "Stripe refused the authorization.") from None
        except stripe.InvalidRequestError as exc:
            if exc.code == "resource_missing":
                raise NotFound(exc.user_message or "Stripe has no such object.") from None
            if exc.code == "payment_intent_unexpected_state":
                raise IntentStateRefused(exc.user_message or "Stripe refused the request.",
                                         field=exc.param) from None
            raise InvalidInput(exc.user_message or "Stripe refused the request.",
                               field=exc.param) from None
        except stripe.AuthenticationError:
            raise PaymentProviderError("paygate's Stripe key was refused.") from None
        except stripe.StripeError as exc:
            # 409: a request with the same idempotency key is still running at Stripe (or
            # a lock timed out there): the outcome is not known yet, so "try again".
            if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 409:
                raise PaymentProviderUnavailable(UNAVAILABLE) from None
            raise PaymentProviderError(exc.user_message or "Stripe refused the request.") from None

    # -- Connect ------------------------------------------------------------------------
    def authorize_url(self, state: str, redirect_uri: str) -> str:
        query = urlencode({"response_type": "code", "client_id": self._client_id or "",
                           "scope": "read_write", "state": state,
                           "redirect_uri": redirect_uri})
        return f"{self._connect_base}/oauth/authorize?{query}"

    async def exchange_oauth_code(self, code: str) -> str:
        token = await self._call(self._client.raw_request_async(
            "post", "/oauth/token", base="connect", grant_type="authorization_code", code=code))
        return str(token.data["stripe_user_id"])  # raw requests answer a StripeResponse

    async def deauthorize(self, account_id: str) -> None:
        await self._call(self._client.raw_request_async(
            "post", "/oauth/deauthorize", base="connect", client_id=self._client_id or "",
            stripe_user_id=account_id))

    async def retrieve_account(self, account_id: str) -> AccountInfo:
        acct = await self._call(self._client.v1.accounts.retrieve_async(account_id))
        return account_info(acct)

    async def create_account(self, *, country: str, email: str | None,
                             idempotency_key: str) -> AccountInfo:
        """A connected account with the full Stripe Dashboard, on which the account pays
        Stripe's fees and Stripe collects requirements and carries the losses."""
        params: AccountCreateParams = {"country": country, "controller": {
            "stripe_dashboard": {"type": "full"}, "fees": {"payer": "account"},
            "losses": {"payments": "stripe"}, "requirement_collection": "stripe"}}
        if email:
            params["email"] = email
        acct = await self._call(self._client.v1.accounts.create_async(
            params, {"idempotency_key": idempotency_key}))
        return account_info(acct)

    async def create_account_link(self, account_id: str, *, link_type: str, return_url: str,
                                  refresh_url: str) -> str:
        link = await self._call(self._client.v1.account_links.create_async({
            "account": account_id, "type": link_type,
            "return_url": return_url, "refresh_url": refresh_url}))
        return str(link.url)

    # -- PaymentIntents -----------------------------------------------------------------
    async def create_payment_intent(
        self, account_id: str, *, amount: int, currency: str, description: str | None,
        metadata: Mapping[str, str], idempotency_key: str, capture_method: str = "automatic",
        application_fee_amount: int | None = None, redirects: bool = False,
    ) -> IntentInfo:
        params: PaymentIntentCreateParams = {
            "amount": amount, "currency": currency, "metadata": dict(metadata),
            "capture_method": "manual" if capture_method == "manual" else "automatic",
            # cards, wallets and Link, which never leave the page; redirect-based methods
            # only for a clinic that allows them (they come back to /pay/return)
            "automatic_payment_methods": {
                "enabled": True, "allow_redirects": "always" if redirects else "never"},
        }
        if description:
            params["description"] = description
        if application_fee_amount:  # a direct charge: the platform's fee from the clinic's
            params["application_fee_amount"] = application_fee_amount
        intent = await self._call(self._client.v1.payment_intents.create_async(
            params, {"stripe_account": account_id, "idempotency_key": idempotency_key}))
        return intent_info(intent)

    async def retrieve_payment_intent(self, account_id: str, intent_id: str) -> IntentInfo:
        intent = await self._call(self._client.v1.payment_intents.retrieve_async(
            intent_id, {"expand": ["latest_charge", "payment_method"]},
            {"stripe_account": account_id}))
        return intent_info(intent)

    async def capture_payment_intent(self, account_id: str, intent_id: str, *,
                                     amount: int, idempotency_key: str,
                                     application_fee_amount: int | None = None
                                     ) -> IntentInfo:
        params: PaymentIntentCaptureParams = {"amount_to_capture": amount,
                                              "expand": ["latest_charge"]}
        if application_fee_amount is not None:  # the platform's fee on what is charged
            params["application_fee_amount"] = application_fee_amount
        intent = await self._call(self._client.v1.payment_intents.capture_async(
            intent_id, params,
            {"stripe_account": account_id, "idempotency_key": idempotency_key}))
        return intent_info(intent)

    async def cancel_payment_intent(self, account_id: str, intent_id: str,
                                    idempotency_key: str) -> IntentInfo:
        intent = await self._call(self._client.v1.payment_intents.cancel_async(
            intent_id, {"cancellation_reason": "abandoned"},
            {"stripe_account": account_id, "idempotency_key": idempotency_key}))
        return intent_info(intent)

    async def list_payment_intents(self, account_id: str,
                                   created_gte: int) -> list[IntentInfo]:
        found: list[IntentInfo] = []
        params: PaymentIntentListParams = {"limit": 100, "created": {"gte": created_gte}}
        while True:
            page = await self._call(self._client.v1.payment_intents.list_async(
                params, {"stripe_account": account_id}))
            found.extend(intent_info(item) for item in page.data)
            if not page.has_more or not page.data:  # pragma: no branch
                return found
            params["starting_after"] = page.data[-1].id

    async def create_refund(self, account_id: str, intent_id: str, *, amount: int | None,
                            reason: str | None, metadata: Mapping[str, str],
                            idempotency_key: str,
                            refund_application_fee: bool = False) -> RefundInfo:
        params: RefundCreateParams = {"payment_intent": intent_id, "metadata": dict(metadata)}
        if refund_application_fee:
            params["refund_application_fee"] = True
        if amount is not None:
            params["amount"] = amount
        if reason:
            params["reason"] = reason
        refund = await self._call(self._client.v1.refunds.create_async(
            params, {"stripe_account": account_id, "idempotency_key": idempotency_key}))
        charge = refund.charge
        return RefundInfo(id=refund.id, status=str(refund.status), amount=int(refund.amount),
                          currency=str(refund.currency), reason=refund.reason,
                          charge=charge if isinstance(charge, str) or charge is None
                          else charge.id)

    async def application_fee_refunded(self, charge_id: str) -> int | None:
        # The fee is the platform's own object: read without Stripe-Account.
        page = await self._call(self._client.v1.application_fees.list_async(
            {"charge": charge_id, "limit": 1}))
        return int(page.data[0].amount_refunded) if page.data else None

    async def retrieve_dispute(self, account_id: str, dispute_id: str) -> DisputeInfo:
        dispute = await self._call(self._client.v1.disputes.retrieve_async(
            dispute_id, options={"stripe_account": account_id}))
        return dispute_of(dispute)

    async def list_payouts(self, account_id: str, limit: int) -> list[PayoutInfo]:
        page = await self._call(self._client.v1.payouts.list_async(
            {"limit": min(limit, 100)}, {"stripe_account": account_id}))
        return [payout_info(p) for p in page.data]

    async def retrieve_payout(self, account_id: str, payout_id: str) -> PayoutInfo:
        return payout_info(await self._call(self._client.v1.payouts.retrieve_async(
            payout_id, options={"stripe_account": account_id})))

    async def payout_lines(self, account_id: str, payout_id: str) -> list[BalanceLine]:
        """Every balance transaction of an automatic payout, with its source expanded to
        find the PaymentIntent (charges, refunds and disputes carry one)."""
        lines: list[BalanceLine] = []
        params: dict[str, Any] = {"payout": payout_id, "limit": 100,
                                  "expand": ["data.source"]}
        while len(lines) < MAX_PAYOUT_LINES:
            page = await self._call(self._client.v1.balance_transactions.list_async(
                params, {"stripe_account": account_id}))  # type: ignore[arg-type]
            lines += [balance_line(t) for t in page.data]
            if not page.has_more or not page.data:
                break
            params["starting_after"] = page.data[-1].id
        return lines

    # -- Webhooks -----------------------------------------------------------------------
    def verify_webhook(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """Check the Stripe-Signature against every configured secret (rotation)."""
        if not signature:
            raise InvalidInput("Missing Stripe-Signature header.")
        _refuse_future_timestamp(signature, self._tolerance)
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("The webhook body is not UTF-8.") from None
        for secret in self._webhook_secrets:
            try:
                stripe.WebhookSignature.verify_header(text, signature, secret, self._tolerance)
            except stripe.SignatureVerificationError:
                continue
            try:
                event = json.loads(text)
            except ValueError:
                raise InvalidInput("The webhook body is not JSON.") from None
            if not isinstance(event, dict) or not str(event.get("id", "")).startswith("evt_"):
                raise InvalidInput("The webhook body is not a Stripe event.")
            return event
        raise InvalidInput("The webhook signature does not verify.")


def _refuse_future_timestamp(signature: str, tolerance: int) -> None:
    """Stripe's SDK refuses stale timestamps; a signature from the future is refused too,
    so a captured header cannot be kept for later replay."""
    for part in signature.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            if value.isdigit() and int(value) <= time.time() + tolerance:
                return
            raise InvalidInput("The webhook timestamp is outside the tolerance.")
    raise InvalidInput("The Stripe-Signature header has no timestamp.")
