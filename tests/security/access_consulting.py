"""Routes of the 政企咨询服务包 engagements: the buyer's pages (the unit's engagements, their
steps and files) and the consultant's dashboard (its own engagements, steps, files and calendar;
operators read all)."""

from .access_table import BUYER_POST, VENDOR_POST, Rule, S, V, shared_rows, side_rows

eng_no = lambda w, s: {"number": w.side(s).extra["engagement"].number}  # noqa: E731
eng_file = lambda w, s: {  # noqa: E731
    "number": w.side(s).extra["engagement"].number,
    "pk": w.side(s).extra["engagement_file"].pk,
}
eng_report = lambda w, s: {  # noqa: E731
    "number": w.side(s).extra["engagement"].number,
    "pk": w.side(s).extra["fulfilment_attachment"].pk,  # the report: a delivery attachment of its order
}
blocked = lambda w, s: {"pk": w.side(s).extra["blocked_day"].pk}  # noqa: E731

RULES: dict[str, Rule] = {
    # the buyer's unit (by role), or the buyer alone
    "consulting:list": S,
    "consulting:book": Rule("signed_in", **shared_rows(lambda w, s: {"pk": w.consulting_product.pk})),
    "consulting:detail": Rule("signed_in", **side_rows(eng_no, "buyer")),
    "consulting:accept-proposal": Rule("signed_in", args=eng_no, **BUYER_POST),
    "consulting:order": Rule("signed_in", args=eng_no, **BUYER_POST),
    "consulting:cancel": Rule("signed_in", args=eng_no, **BUYER_POST),
    "consulting:acceptance": Rule("signed_in", args=eng_no, **BUYER_POST),
    "consulting:file": Rule("signed_in", **side_rows(eng_file, "buyer")),
    "consulting:report": Rule("signed_in", **side_rows(eng_report, "buyer")),
    # the consultant (its own engagements) and operators (all, read only)
    "dashboard:consulting-list": V,
    "dashboard:consulting-calendar": V,  # a vendor's own calendar; operators see every one
    "dashboard:consulting-unblock": Rule("vendor", args=blocked, **VENDOR_POST),
    "dashboard:consulting-detail": Rule("vendor", **side_rows(eng_no, "vendor")),
    "dashboard:consulting-confirm": Rule("vendor", args=eng_no, **VENDOR_POST),
    "dashboard:consulting-propose": Rule("vendor", args=eng_no, **VENDOR_POST),
    "dashboard:consulting-cancel": Rule("vendor", args=eng_no, **VENDOR_POST),
    "dashboard:consulting-report": Rule("vendor", args=eng_no, **VENDOR_POST),
    "dashboard:consulting-file": Rule("vendor", **side_rows(eng_file, "vendor")),
    "dashboard:consulting-report-file": Rule("vendor", **side_rows(eng_report, "vendor")),
}
