"""The one module that talks to Stripe (through the ``stripe`` SDK).

Everything else in the mall calls these functions. The API base and keys are read from
settings at call time, so tests and ``make run`` point the SDK at localstripe and production at
api.stripe.com. Every create sends an idempotency key chosen by the caller (derived from order
number, stage and attempt), so a retried request never creates a second object."""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode, urlsplit

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from stripe.oauth_error import OAuthError

from shop.core.exceptions import DomainError
from shop.core.money import q2

# Stripe caps one charge at 99,999,999 minor units (fen).
STRIPE_MAX_AMOUNT_FEN = 99_999_999


class GatewayError(DomainError):
    """Stripe could not be reached or refused the request for a reason that is not the card's."""


class CardDeclined(DomainError):
    """The card was declined (or failed authentication); the message is for the buyer."""

    def __init__(self, message: str, *, code: str = "", intent_id: str = ""):
        super().__init__(message)
        self.code = code
        self.intent_id = intent_id


class WebhookSignatureInvalid(Exception):
    pass


@dataclass(frozen=True)
class Intent:
    """What the mall needs to know about a PaymentIntent."""

    id: str
    status: str
    amount_fen: int
    currency: str
    client_secret: str = ""
    error_code: str = ""
    error_message: str = ""
    metadata: dict = field(default_factory=dict)


_DECLINE_MESSAGES = {
    "card_declined": "银行卡被发卡行拒绝，本次未扣款。请更换银行卡，或改用对公转账。",
    "insufficient_funds": "银行卡余额不足，本次未扣款。请更换银行卡，或改用对公转账。",
    "expired_card": "银行卡已过期，本次未扣款。请更换银行卡。",
    "incorrect_cvc": "安全码（CVC）不正确，本次未扣款。请核对后重试。",
    "incorrect_number": "卡号不正确，请核对后重试。",
    "invalid_number": "卡号不正确，请核对后重试。",
    "invalid_expiry_month": "有效期月份不正确，请核对后重试。",
    "invalid_expiry_year": "有效期年份不正确，请核对后重试。",
    "processing_error": "发卡行处理出错，本次未扣款。请稍后重试。",
    "payment_intent_authentication_failure": "3-D Secure 身份验证未通过，本次未扣款。",
}


def decline_message(code: str) -> str:
    return _DECLINE_MESSAGES.get(code or "", _DECLINE_MESSAGES["card_declined"])


def amount_to_fen(amount: Decimal) -> int:
    return int(q2(amount) * 100)


def fen_to_amount(fen: int) -> Decimal:
    return q2(Decimal(fen) / 100)


def is_test_server() -> bool:
    """True when the SDK points at a local fake (localstripe on loopback), never at Stripe."""
    host = urlsplit(settings.STRIPE_API_BASE).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


def _account(stripe_account: str) -> dict:
    """Request options of a Connect direct charge: the ``Stripe-Account`` header names the
    seller's own connected account, so the charge, its fees and its money are the seller's.
    Empty: the mall's own account (its 自营 sales)."""
    return {"stripe_account": stripe_account} if stripe_account else {}


def _configure() -> None:
    stripe.api_key = settings.STRIPE_SECRET_KEY
    stripe.api_base = settings.STRIPE_API_BASE
    stripe.connect_api_base = settings.STRIPE_CONNECT_BASE
    stripe.max_network_retries = 2  # the SDK retries with the same idempotency key


def _intent(obj) -> Intent:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    error = data.get("last_payment_error") or {}
    return Intent(
        id=data["id"],
        status=data.get("status") or "",
        amount_fen=int(data.get("amount") or 0),
        currency=(data.get("currency") or "").upper(),
        client_secret=data.get("client_secret") or "",
        error_code=(error.get("decline_code") or error.get("code") or "") if error else "",
        error_message=(error.get("message") or "") if error else "",
        metadata=dict(data.get("metadata") or {}),
    )


def _raise_for(exc: stripe.StripeError, *, intent_id: str = ""):
    if isinstance(exc, stripe.CardError):
        code = getattr(exc, "code", "") or ""
        decline = getattr(getattr(exc, "error", None), "decline_code", None) or ""
        raise CardDeclined(
            decline_message(decline or code), code=decline or code, intent_id=intent_id
        ) from exc
    if isinstance(exc, stripe.InvalidRequestError) and getattr(exc, "param", "") in {
        "number",
        "card[number]",
        "exp_month",
        "exp_year",
        "cvc",
    }:
        raise CardDeclined(_("银行卡信息不正确，请核对卡号、有效期和安全码。"), code="invalid_card") from exc
    if isinstance(exc, stripe.APIConnectionError):
        raise GatewayError(_("暂时无法连接支付服务，本次未扣款。请稍后重试，或改用对公转账。")) from exc
    raise GatewayError(_("支付服务暂时无法处理该请求，本次未扣款。请稍后重试，或改用对公转账。")) from exc


def create_card_payment_method(
    *, number: str, exp_month: int, exp_year: int, cvc: str, idempotency_key: str, stripe_account: str = ""
) -> str:
    """Create a card PaymentMethod from raw card details: only against a local test server.

    On real Stripe, card details never reach our server: Stripe.js creates the PaymentMethod in
    the browser (STRIPE_CARD_FORM=stripejs)."""
    if not is_test_server():
        raise GatewayError(_("生产环境不接收银行卡号，请使用页面上的 Stripe 支付表单。"))
    _configure()
    try:
        pm = stripe.PaymentMethod.create(
            type="card",
            card={"number": number, "exp_month": exp_month, "exp_year": exp_year, "cvc": cvc},
            idempotency_key=idempotency_key,
            **_account(stripe_account),
        )
    except stripe.InvalidRequestError as exc:
        raise CardDeclined(_("银行卡信息不正确，请核对卡号、有效期和安全码。"), code="invalid_card") from exc
    except stripe.StripeError as exc:
        _raise_for(exc)
    return pm.id


def create_payment_intent(
    *,
    amount: Decimal,
    currency: str,
    idempotency_key: str,
    metadata: dict,
    payment_method: str | None = None,
    payment_method_types: list[str] | None = None,
    stripe_account: str = "",
) -> Intent:
    """Create (not confirm) a PaymentIntent. localstripe needs ``payment_method`` at create."""
    fen = amount_to_fen(amount)
    if fen <= 0 or fen > STRIPE_MAX_AMOUNT_FEN:
        raise GatewayError(_("该金额超出在线支付单笔上限，请使用对公转账或分期付款。"))
    _configure()
    params = {
        "amount": fen,
        "currency": currency.lower(),
        "metadata": metadata,
        "payment_method_types": payment_method_types or ["card"],
    }
    if payment_method:
        params["payment_method"] = payment_method
    try:
        obj = stripe.PaymentIntent.create(
            idempotency_key=idempotency_key, **_account(stripe_account), **params
        )
    except stripe.StripeError as exc:
        _raise_for(exc)
    return _intent(obj)


def confirm_payment_intent(*, intent_id: str, idempotency_key: str, stripe_account: str = "") -> Intent:
    """Confirm a PaymentIntent that already carries its payment method. Raises CardDeclined."""
    _configure()
    try:
        obj = stripe.PaymentIntent.confirm(
            intent_id, idempotency_key=idempotency_key, **_account(stripe_account)
        )
    except stripe.StripeError as exc:
        _raise_for(exc, intent_id=intent_id)
    return _intent(obj)


def retrieve_payment_intent(intent_id: str, *, stripe_account: str = "") -> Intent:
    _configure()
    try:
        obj = stripe.PaymentIntent.retrieve(intent_id, **_account(stripe_account))
    except stripe.StripeError as exc:
        _raise_for(exc, intent_id=intent_id)
    return _intent(obj)


def simulate_authentication(*, intent_id: str, success: bool, stripe_account: str = "") -> Intent:
    """Finish (or fail) 3-D Secure on localstripe (``POST /v1/payment_intents/<id>/_authenticate``).

    Only for the local test server; on real Stripe, Stripe.js shows the bank's page."""
    if not is_test_server():
        raise GatewayError(_("生产环境的 3-D Secure 验证由 Stripe 页面完成。"))
    current = retrieve_payment_intent(intent_id, stripe_account=stripe_account)
    _configure()
    try:
        obj = stripe.PaymentIntent._static_request(
            "post",
            f"/v1/payment_intents/{intent_id}/_authenticate",
            params={
                "client_secret": current.client_secret,
                "success": "true" if success else "false",
                **_account(stripe_account),
            },
        )
    except stripe.StripeError as exc:
        _raise_for(exc, intent_id=intent_id)
    return _intent(obj)


def construct_event(payload: bytes, signature: str) -> dict:
    """Verify a webhook's ``Stripe-Signature`` against STRIPE_WEBHOOK_SECRET; return the event."""
    try:
        stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise WebhookSignatureInvalid(str(exc)) from exc
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise WebhookSignatureInvalid("not an event")
    return event


# --- Stripe Connect (OAuth for Standard accounts) -------------------------------------------------

ACCOUNT_ID = re.compile(r"acct_[A-Za-z0-9]{8,60}")


def connect_authorize_url(*, state: str, redirect_uri: str) -> str:
    """Where the vendor signs in to (or opens) its own Stripe account and allows the mall to
    charge cards on it; Stripe sends it back to ``redirect_uri`` with a code and ``state``."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.STRIPE_CONNECT_CLIENT_ID,
            "scope": "read_write",
            "state": state,
            "redirect_uri": redirect_uri,
        }
    )
    return f"{settings.STRIPE_CONNECT_BASE.rstrip('/')}/oauth/authorize?{query}"


def connect_token(code: str) -> str:
    """The connected account id (acct_…) for the authorisation ``code``. Raises GatewayError."""
    _configure()
    try:
        token = stripe.OAuth.token(grant_type="authorization_code", code=code)
    except OAuthError as exc:
        raise GatewayError(_("Stripe 未能完成账户连接（授权码无效或已过期），请重新连接。")) from exc
    except stripe.StripeError as exc:
        raise GatewayError(_("暂时无法连接 Stripe，请稍后重试。")) from exc
    account = str(token.to_dict().get("stripe_user_id") or "")
    if not ACCOUNT_ID.fullmatch(account):
        raise GatewayError(_("Stripe 返回的账户信息无效，请重新连接。"))
    return account


def connect_deauthorize(account: str) -> None:
    """Revoke the mall's access to the connected ``account``. Raises GatewayError."""
    _configure()
    try:
        stripe.OAuth.deauthorize(client_id=settings.STRIPE_CONNECT_CLIENT_ID, stripe_user_id=account)
    except OAuthError:
        return  # already revoked on Stripe's side: nothing is connected any more
    except stripe.StripeError as exc:
        raise GatewayError(_("暂时无法连接 Stripe，请稍后重试。")) from exc
