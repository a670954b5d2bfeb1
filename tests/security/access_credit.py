"""Credit routes in the isolation matrix: the public vendor pages, the buyer's rating of an
order (the order's buyer only; others get 404), the operators' credit records."""

from .access_table import Rule, shared_rows, side_rows

partner = lambda w, s: {"partner_id": w.side(s).partner.pk}  # noqa: E731
order_no = lambda w, s: {"number": w.side(s).order.number}  # noqa: E731
lift = lambda w, s: {  # noqa: E731
    "partner_id": w.side(s).partner.pk,
    "entry_id": w.side(s).extra["credit_suspension"].pk,
}
OPERATOR_POST = {"owned": False, "sanity": False}

RULES: dict[str, Rule] = {
    "credit:vendor": Rule("public", **shared_rows(partner)),  # 供应商主页: no contact, no bank data
    "credit:rate-list": Rule("signed_in"),  # the user's (unit's) accepted orders to rate
    "credit:rate": Rule("signed_in", **side_rows(order_no, "buyer")),  # 404 outside the order's scope
    "dashboard:credit-list": Rule("operator"),
    "dashboard:credit-detail": Rule("operator", **shared_rows(partner)),
    "dashboard:credit-warn": Rule("operator", args=partner, **OPERATOR_POST),
    "dashboard:credit-suspend": Rule("operator", args=partner, **OPERATOR_POST),
    "dashboard:credit-lift": Rule("operator", args=lift, **OPERATOR_POST),
}
