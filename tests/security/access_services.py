"""Routes of the service applications: 规划融资 (buyer pages, the handlers' dashboard, the LPR),
the 自由职业 enquiry, 合作伙伴 (public pages, applications, the operators' review) and 预约咨询."""

from .access_table import BUYER_POST, OP, VENDOR_POST, P, Rule, S, V, shared_rows, side_rows

fin_no = lambda w, s: {"number": w.side(s).extra["financing"].number}  # noqa: E731
fin_doc = lambda w, s: {  # noqa: E731
    "number": w.side(s).extra["financing"].number,
    "pk": w.side(s).extra["financing_document"].pk,
}
cb_no = lambda w, s: {"number": w.side(s).extra["callback"].number}  # noqa: E731
pa_no = lambda w, s: {"number": w.side(s).extra["partner_application"].number}  # noqa: E731

RULES: dict[str, Rule] = {
    # 规划融资: the applicant's unit (by role) and, in the dashboard, the package's vendor and operators
    "financing:list": S,  # the own unit's (or own) applications
    "financing:apply": Rule("signed_in", **shared_rows(lambda w, s: {"pk": w.financing_product.pk})),
    "financing:freelance": Rule("signed_in", **shared_rows(lambda w, s: {"pk": w.freelance_product.pk})),
    "financing:detail": Rule("signed_in", **side_rows(fin_no, "buyer")),
    "financing:supplement": Rule("signed_in", args=fin_no, **BUYER_POST),
    "financing:document": Rule("signed_in", **side_rows(fin_doc, "buyer")),
    "dashboard:financing-list": V,
    "dashboard:financing-lpr": OP,
    "dashboard:financing-detail": Rule("vendor", **side_rows(fin_no, "vendor")),
    "dashboard:financing-move": Rule("vendor", args=fin_no, **VENDOR_POST),
    "dashboard:financing-document": Rule("vendor", **side_rows(fin_doc, "vendor")),
    # 合作伙伴: public list per region; applications are the applicant's and the operators'
    "partners:index": P,
    "partners:region": Rule("public", **shared_rows(lambda w, s: {"code": "430100"})),
    "partners:apply": S,
    "partners:mine": S,  # the user's own applications
    "dashboard:partner-application-list": OP,
    "dashboard:partner-application-detail": Rule("operator", **shared_rows(pa_no)),
    "dashboard:partner-application-review": Rule("operator", **shared_rows(pa_no)),
    # 预约咨询: booked by a signed-in user; answered by operators; the number masked but for them
    "callbacks:list": S,
    "callbacks:book": S,
    "callbacks:cancel": Rule("signed_in", args=cb_no, **BUYER_POST),
    "dashboard:callback-list": V,  # operators: all; a vendor: those about its services
    "dashboard:callback-answer": Rule("operator", **shared_rows(cb_no)),
}
