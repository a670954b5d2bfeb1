"""Each submission once: a one-time token per form, and a repeat shows the first result.

When the web process dies after the commit and before the answer (or the network drops the
answer), the buyer sees an error and submits again. Each submission form carries a hidden
``submission_token`` (``{% submission_token %}`` from ``shop_forms``); API clients send the
same as an ``Idempotency-Key`` header. For the URL names in ``ONCE``,
``SubmissionOnceMiddleware``:

- runs the view inside one transaction and, when the view answers with a redirect (the
  success answer of every form here), records ``token -> redirect target`` **in that same
  transaction**, so the record exists exactly when the submission's rows do;
- answers a POST whose token is already recorded with a redirect to the first result and a
  message, without calling the view: no second request, order or application;
- two copies arriving at once: the second waits on the token's unique index until the first
  commits, then rolls its own work back and is answered like a repeat.

A token is scoped to the signed-in user (or, anonymous, to the session), so a token seen by
someone else cannot be used to discover their result; a submission that signs its sender in
(the vendor application) is recorded under both identities. Invalid forms (a 200 re-rendering the
form) record nothing: the same token may be submitted again once corrected. POSTs without a
token are processed as before."""

from __future__ import annotations

import logging
import re
import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

logger = logging.getLogger("shop.submissions")

FIELD = "submission_token"
HEADER = "HTTP_IDEMPOTENCY_KEY"
# The forms that create something: a quote request, an OEM order, a vendor application, an order.
ONCE = frozenset({"quotes:submit", "oem:create", "vendors:apply", "checkout:preview", "outsourcing:new"})
_VALID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return uuid.uuid4().hex


def _token(request) -> str | None:
    token = request.POST.get(FIELD) or request.META.get(HEADER) or ""
    return token if _VALID.match(token) else None


def _owner(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"u{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return "anonymous"
    if not session.session_key:
        session.save()
    return f"s{session.session_key}"


def _repeat(request, location: str) -> HttpResponseRedirect:
    messages.info(request, _("该表单已经提交过，这是第一次提交的结果，没有重复提交。"))
    return HttpResponseRedirect(location)


class SubmissionOnceMiddleware:
    """Place after AuthenticationMiddleware and MessageMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = request.resolver_match
        if match is None or match.view_name not in ONCE:
            return None
        token = _token(request)
        if token is None:
            return None
        from .models import SubmissionRecord

        key = {"token": token, "owner": _owner(request), "url_name": match.view_name}
        first = SubmissionRecord.objects.filter(**key).values_list("location", flat=True).first()
        if first is not None:
            logger.info(
                "repeat of submission %s to %s answered with its first result", token, key["url_name"]
            )
            return _repeat(request, first)
        try:
            with transaction.atomic():
                response = view_func(request, *view_args, **view_kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if response.status_code in (301, 302, 303) and response.get("Location"):
                    # under who sent it, and under who they are now (an application signs in)
                    for owner in dict.fromkeys([key["owner"], _owner(request)]):
                        SubmissionRecord.objects.create(
                            **{**key, "owner": owner}, location=response["Location"]
                        )
        except IntegrityError:
            # the same token committed by a concurrent copy: this copy's work is rolled back
            first = SubmissionRecord.objects.filter(**key).values_list("location", flat=True).first()
            if first is None:
                raise
            return _repeat(request, first)
        return response
