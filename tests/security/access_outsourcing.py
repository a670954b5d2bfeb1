"""Routes of 人才开发外包: the buyer's pages (the unit's members whose roles see purchases, or a
buyer without a unit), the vendors' dashboard pages (requests for levels they list, and their
own proposals), and the CV download (the request's unit, the proposing vendor, operators)."""

from .access_table import BUYER_POST, ROLES, VENDOR_POST, Rule, S, Target, V, shared_rows, side_rows

req_no = lambda w, s: {"number": w.side(s).extra["outsourcing"].number}  # noqa: E731
req_month = lambda w, s: {"number": w.side(s).extra["outsourcing"].number, "month": 1}  # noqa: E731
req_proposal = lambda w, s: {  # noqa: E731
    "number": w.side(s).extra["outsourcing"].number,
    "pk": w.side(s).extra["outsourcing_proposal"].pk,
}
cv = lambda w, s: {"pk": w.side(s).extra["outsourcing_profile"].pk}  # noqa: E731


def cv_targets(w) -> list[Target]:
    """Each side's CV: its unit's buyer, its vendor and the operator download it; the other
    side's buyer and vendor and the anonymous visitor do not."""
    return [
        Target(
            kwargs=cv(w, side),
            allowed=frozenset({f"buyer_{side}", f"vendor_{side}", "operator"}),
            roles=ROLES,
            methods=("GET",),
            sanity=True,
            label=f"CV of side {side}",
        )
        for side in ("a", "b")
    ]


RULES: dict[str, Rule] = {
    "outsourcing:list": S,  # the own unit's (or own) requests
    "outsourcing:new": Rule("signed_in", **shared_rows(lambda w, s: {"pk": w.outsourcing_product.pk})),
    "outsourcing:detail": Rule("signed_in", **side_rows(req_no, "buyer")),
    "outsourcing:withdraw": Rule("signed_in", args=req_no, **BUYER_POST),
    "outsourcing:accept": Rule("signed_in", args=req_proposal, **BUYER_POST),
    "outsourcing:report-accept": Rule("signed_in", args=req_month, **BUYER_POST),
    "outsourcing:report-reject": Rule("signed_in", args=req_month, **BUYER_POST),
    "outsourcing:end": Rule("signed_in", args=req_no, **BUYER_POST),
    "outsourcing:cv": Rule("signed_in", **side_rows(cv, "buyer")).with_targets(cv_targets),
    "dashboard:outsourcing-list": V,
    "dashboard:outsourcing-detail": Rule("vendor", **side_rows(req_no, "vendor")),
    "dashboard:outsourcing-propose": Rule("vendor", args=req_no, **VENDOR_POST),
    "dashboard:outsourcing-report": Rule("vendor", args=req_no, **VENDOR_POST),
    "dashboard:outsourcing-end": Rule("vendor", args=req_no, **VENDOR_POST),
}
