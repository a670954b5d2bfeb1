"""Routes of 采购合同: the buyer side's pages (the unit's members whose roles see orders, or the
buyer of an order without a unit) and the vendors' dashboard pages (their own contracts only)."""

from .access_table import BUYER_POST, VENDOR_POST, Rule, S, V, side_rows

contract_no = lambda w, s: {"number": w.side(s).extra["contract"].number}  # noqa: E731
contract_pdf = lambda w, s: {"number": w.side(s).extra["contract"].number, "sequence": 1}  # noqa: E731

RULES: dict[str, Rule] = {
    "contracts:list": S,  # the own unit's (or own) contracts
    "contracts:detail": Rule("signed_in", **side_rows(contract_no, "buyer")),
    "contracts:pdf": Rule("signed_in", **side_rows(contract_pdf, "buyer")),
    "contracts:terms": Rule("signed_in", args=contract_no, **BUYER_POST),
    "contracts:confirm": Rule("signed_in", args=contract_no, **BUYER_POST),
    "contracts:supplement": Rule("signed_in", args=contract_no, **BUYER_POST),
    "contracts:withdraw": Rule("signed_in", args=contract_no, **BUYER_POST),
    "dashboard:contracts-list": V,
    "dashboard:contracts-detail": Rule("vendor", **side_rows(contract_no, "vendor")),
    "dashboard:contracts-pdf": Rule("vendor", **side_rows(contract_pdf, "vendor")),
    "dashboard:contracts-confirm": Rule("vendor", args=contract_no, **VENDOR_POST),
    "dashboard:contracts-supplement": Rule("vendor", args=contract_no, **VENDOR_POST),
    "dashboard:contracts-withdraw": Rule("vendor", args=contract_no, **VENDOR_POST),
}
