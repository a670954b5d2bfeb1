"""The invoice file a seller issued (the buyer's download), and routes of the sellers' payment settings: a vendor's own 对公账户 (and its proof document),
prepayment, and the operators' verification of the vendors' accounts."""

from .access_table import OP, Rule, V, side_rows

account = lambda w, s: {"pk": w.side(s).extra["bank_account"].pk}  # noqa: E731
invoice = lambda w, s: {"pk": w.side(s).extra["issued_invoice"].pk}  # noqa: E731

RULES: dict[str, Rule] = {
    "payments:invoice-file": Rule("signed_in", **side_rows(invoice, "buyer")),  # the order's 财务
    "dashboard:payments-seller-settings": V,  # the signed-in vendor's own settings only
    "dashboard:payments-seller-prepay": Rule("vendor", sanity=False),  # POST: its own setting
    "dashboard:payments-stripe-connect": Rule("vendor", sanity=False),  # POST: off to Stripe, its own
    "dashboard:payments-stripe-connect-return": Rule(
        "vendor", sanity=False
    ),  # back from Stripe, signed state
    "dashboard:payments-stripe-disconnect": Rule("vendor", sanity=False),  # POST: its own account
    "dashboard:payments-bank-accounts": OP,
    "dashboard:payments-bank-account": Rule("operator", **side_rows(account, "")),
    "dashboard:payments-bank-proof": Rule("vendor", **side_rows(account, "vendor")),
}
