"""Routes of delivery and 履约验收: the buyer side's pages (the unit's members by role, or the
buyer of an order without a unit) and the vendors' dashboard pages (their own lines only)."""

from .access_table import BUYER_POST, VENDOR_POST, Rule, S, V, side_rows

order_no = lambda w, s: {"number": w.side(s).order.number}  # noqa: E731
order_file = lambda w, s: {  # noqa: E731
    "number": w.side(s).order.number,
    "pk": w.side(s).extra["fulfilment_attachment"].pk,
}

RULES: dict[str, Rule] = {
    "fulfilment:list": S,  # the own unit's (or own) orders with deliveries
    "fulfilment:detail": Rule("signed_in", **side_rows(order_no, "buyer")),
    "fulfilment:accept": Rule("signed_in", args=order_no, **BUYER_POST),
    "fulfilment:pdf": Rule("signed_in", **side_rows(order_no, "buyer")),
    "fulfilment:attachment": Rule("signed_in", **side_rows(order_file, "buyer")),
    "dashboard:fulfilment-list": V,
    "dashboard:fulfilment-detail": Rule("vendor", **side_rows(order_no, "vendor")),
    "dashboard:fulfilment-deliver": Rule("vendor", args=order_no, **VENDOR_POST),
    "dashboard:fulfilment-pdf": Rule("vendor", **side_rows(order_no, "vendor")),
    "dashboard:fulfilment-attachment": Rule("vendor", **side_rows(order_file, "vendor")),
}
