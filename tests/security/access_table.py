"""Who may use each URL, and which row of which party its arguments point at.

Every route the URL resolver knows must have an entry here, whatever its namespace (or none,
or no name: an unnamed route is keyed by its pattern): a new URL that nobody has classified
fails ``test_every_route_is_classified``. Only the namespaces in ``EXEMPT_NAMESPACES`` are left
out, each for a stated reason. Keys are ``name`` or, for a name used by several routes,
``name(arg1,arg2)`` (``Route.key``).

``access``: who may use the route at all
  public     anyone, signed in or not
  signed_in  any signed-in user, for their own data
  buyer      signed-in buyers (any user who is not only a vendor)
  vendor     vendors (their own rows only) and operators
  operator   operators only
  nobody     no one from the outside (e.g. a hash that must match)
``args(world, side)``: the route's arguments for the rows of ``side`` ("a" or "b").
``owned``: the rows belong to that side (buyer or vendor); a party of the other side using
them must be refused. Rows that belong to nobody in particular (a product class, a flat page)
are ``owned=False``.
``targets(world)``: further requests with their own verdict (``Target``): rows whose audience
is narrower or wider than one side — a vendor's unpublished variants, moderated reviews, a
quote request two vendors share, a product two vendors stock, another buyer's line id posted
as form data.
"""

from collections.abc import Callable
from dataclasses import dataclass

# Namespaces outside the matrix, and why. Everything else must be classified below.
EXEMPT_NAMESPACES = {
    "admin": "Django's admin: superusers only, behind its own login; not linked for anyone else",
}

ROLES = ("anonymous", "buyer_a", "buyer_b", "vendor_a", "vendor_b", "operator")


@dataclass(frozen=True)
class Target:
    """One request with its own verdict: ``roles`` request it, only ``allowed`` may succeed
    (the others must be refused and write nothing). ``sanity``: the allowed roles must be able
    to open it (proves the ids point at real rows)."""

    kwargs: dict
    allowed: frozenset
    roles: tuple[str, ...] = ROLES
    data: dict | None = None  # POST body
    methods: tuple[str, ...] = ("GET", "POST")
    sanity: bool = False
    label: str = ""


@dataclass(frozen=True)
class Rule:
    access: str
    args: Callable | None = None
    owned: bool = True
    owner: str = ""  # "buyer" or "vendor": whose page the owner sanity check opens as
    sanity: bool = True  # the owner can open it (GET is not 403/404): proves the ids are right
    targets: Callable | None = None  # world -> list[Target]

    def __post_init__(self):
        assert self.access in {"public", "signed_in", "buyer", "vendor", "operator", "nobody"}, self.access

    def with_targets(self, fn: Callable) -> "Rule":
        return Rule(self.access, self.args, self.owned, self.owner, self.sanity, fn)


def side_rows(fn, owner):
    return {"args": fn, "owned": True, "owner": owner}


def shared_rows(fn):
    return {"args": fn, "owned": False}


P = Rule("public")
S = Rule("signed_in")
OP = Rule("operator")
V = Rule("vendor")

# ---- argument makers -------------------------------------------------------------------------
product = lambda w, s: {"pk": w.side(s).product.pk}  # noqa: E731
owned_product = lambda w, s: {"pk": w.side(s).owned_product.pk}  # noqa: E731
order_no = lambda w, s: {"number": w.side(s).order.number}  # noqa: E731
qr_no = lambda w, s: {"number": w.side(s).quote_request.number}  # noqa: E731
qr_vq = lambda w, s: {"number": w.side(s).quote_request.number, "vq": w.side(s).vendor_quote.pk}  # noqa: E731
qr_pk = lambda w, s: {"pk": w.side(s).quote_request.pk}  # noqa: E731
qr_pk_vq = lambda w, s: {"pk": w.side(s).quote_request.pk, "vq": w.side(s).vendor_quote.pk}  # noqa: E731
oem_no = lambda w, s: {"number": w.side(s).oem_order.number}  # noqa: E731
oem_pk = lambda w, s: {"pk": w.side(s).oem_order.pk}  # noqa: E731
application = lambda w, s: {"pk": w.side(s).application.pk}  # noqa: E731
stage = lambda w, s: {"number": w.side(s).order.number, "sequence": 1}  # noqa: E731
attempt = lambda w, s: {"number": w.side(s).order.number, "attempt": w.side(s).stripe_attempt.pk}  # noqa: E731
transfer = lambda w, s: {"pk": w.side(s).transfer.pk}  # noqa: E731
unit_budget = lambda w, s: {"pk": w.side(s).extra["budget_line"].pk}  # noqa: E731
unit_rule = lambda w, s: {"pk": w.side(s).extra["approval_rule"].pk}  # noqa: E731
unit_approval = lambda w, s: {"number": w.side(s).extra["approval"].number}  # noqa: E731
sourcing_no = lambda w, s: {"number": w.side(s).extra["sourcing"].number}  # noqa: E731
sourcing_act = lambda w, s: {"number": w.side(s).extra["sourcing"].number, "action": "cancel"}  # noqa: E731


def site_page_slug() -> str:
    """A standard site page (the data migration creates them; a flushed test database may not
    hold them any more)."""
    from shop.sitepages.services import site_pages_install_defaults

    site_pages_install_defaults()
    return "contact"


BUYER_POST = {"owner": "buyer", "owned": True, "sanity": False}  # POST-only actions of a buyer
VENDOR_POST = {"owner": "vendor", "owned": True, "sanity": False}


TABLE: dict[str, Rule] = {
    # --- stock Oscar dashboard ---------------------------------------------------------------
    "dashboard:index": V,
    "dashboard:login": P,
    "dashboard:logout": P,
    "dashboard:catalogue-product-list": V,
    "dashboard:catalogue-product-bulk-action": V,
    "dashboard:catalogue-product": Rule("vendor", **side_rows(owned_product, "vendor")),
    "dashboard:catalogue-product-create": V,
    "dashboard:catalogue-product-create(product_class_slug)": Rule(
        "vendor", **shared_rows(lambda w, s: {"product_class_slug": w.product_class.slug})
    ),
    "dashboard:catalogue-product-create-child": Rule(
        "vendor", **side_rows(lambda w, s: {"parent_pk": w.side(s).parent.pk}, "vendor"), sanity=False
    ),
    "dashboard:catalogue-product-delete": Rule("vendor", **side_rows(owned_product, "vendor")),
    "dashboard:stock-alert-list": OP,
    "dashboard:catalogue-product-lookup": V,
    "dashboard:catalogue-category-list": OP,
    "dashboard:catalogue-category-detail-list": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.category.pk})
    ),
    "dashboard:catalogue-category-create": OP,
    "dashboard:catalogue-category-create-child": Rule(
        "operator", **shared_rows(lambda w, s: {"parent": w.category.pk})
    ),
    "dashboard:catalogue-category-update": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.category.pk})
    ),
    "dashboard:catalogue-category-delete": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.category.pk})
    ),
    "dashboard:catalogue-class-create": OP,
    "dashboard:catalogue-class-list": OP,
    "dashboard:catalogue-class-update": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.product_class.pk})
    ),
    "dashboard:catalogue-class-delete": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.product_class.pk})
    ),
    "dashboard:catalogue-attribute-option-group-create": OP,
    "dashboard:catalogue-attribute-option-group-list": OP,
    "dashboard:catalogue-attribute-option-group-update": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.option_group.pk})
    ),
    "dashboard:catalogue-attribute-option-group-delete": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.option_group.pk})
    ),
    "dashboard:catalogue-option-list": OP,
    "dashboard:catalogue-option-create": OP,
    "dashboard:catalogue-option-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.option.pk})),
    "dashboard:catalogue-option-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.option.pk})),
    "dashboard:reports-index": OP,
    "dashboard:order-list": V,
    "dashboard:order-stats": V,
    "dashboard:order-detail": Rule("vendor", **side_rows(order_no, "vendor")),
    "dashboard:order-detail-note": Rule(
        "vendor",
        **side_rows(
            lambda w, s: {"number": w.side(s).order.number, "note_id": w.side(s).order_note.pk}, "vendor"
        ),
    ),
    "dashboard:order-line-detail": Rule(
        "vendor",
        **side_rows(
            lambda w, s: {"number": w.side(s).order.number, "line_id": w.side(s).order.lines.first().pk},
            "vendor",
        ),
    ),
    "dashboard:order-shipping-address": Rule("vendor", **side_rows(order_no, "vendor"), sanity=False),
    "dashboard:users-index": OP,
    "dashboard:user-detail": Rule("operator", **side_rows(lambda w, s: {"pk": w.side(s).buyer.pk}, "")),
    "dashboard:user-password-reset": Rule(
        "operator", **side_rows(lambda w, s: {"pk": w.side(s).buyer.pk}, "")
    ),
    "dashboard:user-alert-list": OP,
    "dashboard:user-alert-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.side(s).alert.pk})),
    "dashboard:user-alert-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.side(s).alert.pk})),
    "dashboard:page-list": OP,
    "dashboard:page-create": OP,
    "dashboard:page-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.flatpage.pk})),
    "dashboard:page-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.flatpage.pk})),
    "dashboard:partner-list": OP,
    "dashboard:partner-create": OP,
    "dashboard:partner-manage": Rule("operator", **shared_rows(lambda w, s: {"pk": w.side(s).partner.pk})),
    "dashboard:partner-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.side(s).partner.pk})),
    "dashboard:partner-user-create": Rule(
        "operator", **shared_rows(lambda w, s: {"partner_pk": w.side(s).partner.pk})
    ),
    "dashboard:partner-user-select": Rule(
        "operator", **shared_rows(lambda w, s: {"partner_pk": w.side(s).partner.pk})
    ),
    "dashboard:partner-user-link": Rule(
        "operator",
        **shared_rows(lambda w, s: {"partner_pk": w.side(s).partner.pk, "user_pk": w.side(s).buyer.pk}),
    ),
    "dashboard:partner-user-unlink": Rule(
        "operator",
        **shared_rows(lambda w, s: {"partner_pk": w.side(s).partner.pk, "user_pk": w.side(s).vendor.pk}),
    ),
    "dashboard:partner-user-update": Rule(
        "operator",
        **shared_rows(lambda w, s: {"partner_pk": w.side(s).partner.pk, "user_pk": w.side(s).vendor.pk}),
    ),
    "dashboard:offer-list": OP,
    "dashboard:offer-metadata": OP,
    "dashboard:offer-condition": OP,
    "dashboard:offer-benefit": OP,
    "dashboard:offer-restrictions": OP,
    "dashboard:offer-metadata(pk)": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:offer-condition(pk)": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:offer-benefit(pk)": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:offer-restrictions(pk)": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:offer-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:offer-detail": Rule("operator", **shared_rows(lambda w, s: {"pk": w.offer.pk})),
    "dashboard:range-list": OP,
    "dashboard:range-create": OP,
    "dashboard:range-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.range.pk})),
    "dashboard:range-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.range.pk})),
    "dashboard:range-products": Rule("operator", **shared_rows(lambda w, s: {"pk": w.range.pk})),
    "dashboard:range-reorder": Rule("operator", **shared_rows(lambda w, s: {"pk": w.range.pk})),
    "dashboard:reviews-list": OP,
    "dashboard:reviews-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.review.pk})),
    "dashboard:reviews-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.review.pk})),
    "dashboard:voucher-list": OP,
    "dashboard:voucher-create": OP,
    "dashboard:voucher-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher.pk})),
    "dashboard:voucher-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher.pk})),
    "dashboard:voucher-stats": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher.pk})),
    "dashboard:voucher-set-list": OP,
    "dashboard:voucher-set-create": OP,
    "dashboard:voucher-set-update": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher_set.pk})),
    "dashboard:voucher-set-detail": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher_set.pk})),
    "dashboard:voucher-set-download": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher_set.pk})),
    "dashboard:voucher-set-delete": Rule("operator", **shared_rows(lambda w, s: {"pk": w.voucher_set.pk})),
    "dashboard:comms-list": OP,
    "dashboard:comms-update": Rule("operator", **shared_rows(lambda w, s: {"slug": w.comms.code})),
    "dashboard:shipping-method-list": OP,
    "dashboard:shipping-method-create": OP,
    "dashboard:shipping-method-detail": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.weight_based.pk})
    ),
    "dashboard:shipping-method-edit": Rule("operator", **shared_rows(lambda w, s: {"pk": w.weight_based.pk})),
    "dashboard:shipping-method-delete": Rule(
        "operator", **shared_rows(lambda w, s: {"pk": w.weight_based.pk})
    ),
    "dashboard:shipping-method-band-edit": Rule(
        "operator", **shared_rows(lambda w, s: {"method_pk": w.weight_based.pk, "pk": w.band.pk})
    ),
    "dashboard:shipping-method-band-delete": Rule(
        "operator", **shared_rows(lambda w, s: {"method_pk": w.weight_based.pk, "pk": w.band.pk})
    ),
    # --- REST API -----------------------------------------------------------------------------
    "api:schema": P,
    "api:schema-browse": P,
    # --- customer account (stock Oscar): a buyer's own rows only -------------------------------
    "customer:login": P,
    "customer:logout": P,
    "customer:register": P,
    "customer:summary": S,
    "customer:change-password": S,
    "customer:profile-view": S,
    "customer:profile-update": S,
    "customer:profile-delete": S,
    "customer:order-list": S,
    # the form asks for the order's e-mail address and shows nothing of the order
    "customer:anon-order-form": Rule(
        "public", **shared_rows(lambda w, s: {"order_number": w.side(s).order.number, "hash": "0" * 10})
    ),
    "customer:anon-order": Rule(
        "nobody",
        **side_rows(lambda w, s: {"order_number": w.side(s).order.number, "hash": "0" * 10}, "buyer"),
        sanity=False,
    ),
    "customer:order": Rule(
        "signed_in", **side_rows(lambda w, s: {"order_number": w.side(s).order.number}, "buyer")
    ),
    "customer:order-line": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {
                "order_number": w.side(s).order.number,
                "line_id": w.side(s).order.lines.first().pk,
            },
            "buyer",
        ),
        sanity=False,  # Oscar's order-line URL only takes POST (re-order)
    ),
    "customer:address-list": S,
    "customer:address-create": S,
    "customer:address-detail": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": w.side(s).address.pk}, "buyer")
    ),
    "customer:address-delete": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": w.side(s).address.pk}, "buyer")
    ),
    "customer:address-change-status": Rule(
        "signed_in",
        **side_rows(lambda w, s: {"pk": w.side(s).address.pk, "action": "default_for_shipping"}, "buyer"),
        sanity=False,  # POST-only in effect: GET changes the default and redirects
    ),
    "customer:email-list": S,
    "customer:email-detail": Rule(
        "signed_in", **side_rows(lambda w, s: {"email_id": 999999}, "buyer"), sanity=False
    ),
    "accounts/notifications/": P,  # unnamed: a redirect to the inbox (which asks for a login)
    "customer:notifications-inbox": S,
    "customer:notifications-archive": S,
    "customer:notifications-update": S,
    "customer:notifications-detail": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": 999999}, "buyer"), sanity=False
    ),
    "customer:alerts-list": S,
    "customer:alert-create": Rule("public", **shared_rows(lambda w, s: {"pk": w.side(s).product.pk})),
    "customer:alerts-confirm": Rule(
        "nobody", **side_rows(lambda w, s: {"key": w.side(s).alert.key or "x"}, "buyer"), sanity=False
    ),
    "customer:alerts-cancel-by-key": Rule(
        "nobody", **side_rows(lambda w, s: {"key": w.side(s).alert.key or "x"}, "buyer"), sanity=False
    ),
    "customer:alerts-cancel-by-pk": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": w.side(s).alert.pk}, "buyer"), sanity=False
    ),
    "customer:wishlists-list": S,
    "customer:wishlists-add-product(product_pk)": Rule(
        "signed_in", **shared_rows(lambda w, s: {"product_pk": w.side(s).product.pk})
    ),
    "customer:wishlists-add-product(key,product_pk)": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {"key": w.side(s).wishlist.key, "product_pk": w.side(s).product.pk}, "buyer"
        ),
        sanity=False,
    ),
    "customer:wishlists-create": S,
    "customer:wishlists-create-with-product": Rule(
        "signed_in", **shared_rows(lambda w, s: {"product_pk": w.side(s).product.pk})
    ),
    "customer:wishlists-detail": Rule(
        "signed_in", **side_rows(lambda w, s: {"key": w.side(s).wishlist.key}, "buyer")
    ),
    "customer:wishlists-update": Rule(
        "signed_in", **side_rows(lambda w, s: {"key": w.side(s).wishlist.key}, "buyer")
    ),
    "customer:wishlists-delete": Rule(
        "signed_in", **side_rows(lambda w, s: {"key": w.side(s).wishlist.key}, "buyer")
    ),
    "customer:wishlists-remove-product(key,line_pk)": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {"key": w.side(s).wishlist.key, "line_pk": w.side(s).wishlist_line.pk}, "buyer"
        ),
    ),
    "customer:wishlists-remove-product(key,product_pk)": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {"key": w.side(s).wishlist.key, "product_pk": w.side(s).product.pk}, "buyer"
        ),
    ),
    "customer:wishlists-move-product-to-another": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {
                "key": w.side(s).wishlist.key,
                "line_pk": w.side(s).wishlist_line.pk,
                "to_key": w.side(s).wishlist.key,
            },
            "buyer",
        ),
        sanity=False,
    ),
    # --- basket and checkout (stock Oscar): the session's own basket ---------------------------
    "basket:summary": P,
    "basket:add": Rule("public", **shared_rows(lambda w, s: {"pk": w.side(s).product.pk})),
    "basket:vouchers-add": P,
    "basket:vouchers-remove": Rule("public", **shared_rows(lambda w, s: {"pk": w.voucher.pk})),
    "basket:saved": S,
    "checkout:index": P,
    "checkout:shipping-address": P,
    "checkout:user-address-update": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": w.side(s).address.pk}, "buyer"), sanity=False
    ),
    "checkout:user-address-delete": Rule(
        "signed_in", **side_rows(lambda w, s: {"pk": w.side(s).address.pk}, "buyer"), sanity=False
    ),
    "checkout:shipping-method": P,
    "checkout:payment-method": P,
    "checkout:payment-details": P,
    "checkout:preview": P,
    "checkout:thank-you": P,
    # --- quotes (询价) ------------------------------------------------------------------------
    "quotes:list": P,
    "quotes:list-add": P,
    "quotes:submit": S,
    "quotes:mine": S,
    "quotes:detail": Rule("signed_in", **side_rows(qr_no, "buyer")),
    "quotes:submitted": Rule("signed_in", **side_rows(qr_no, "buyer")),
    "quotes:cancel": Rule("signed_in", args=qr_no, **BUYER_POST),
    "quotes:accept": Rule("signed_in", args=qr_vq, **BUYER_POST),
    "quotes:decline": Rule("signed_in", args=qr_vq, **BUYER_POST),
    "quotes:revise": Rule("signed_in", args=qr_vq, **BUYER_POST),
    "quotes:pdf": Rule("signed_in", args=qr_vq, **BUYER_POST),
    "quotes:attachment": Rule(
        "signed_in",
        **side_rows(
            lambda w, s: {"number": w.side(s).quote_request.number, "pk": w.side(s).attachment.pk}, "buyer"
        ),
    ),
    "dashboard:quotes-list": V,
    "dashboard:quotes-detail": Rule("vendor", **side_rows(qr_pk, "vendor")),
    "dashboard:quotes-answer": Rule("vendor", **side_rows(qr_pk_vq, "vendor")),
    "dashboard:quotes-revise": Rule("vendor", **side_rows(qr_pk_vq, "vendor")),
    "dashboard:quotes-pdf": Rule("vendor", args=qr_pk_vq, **VENDOR_POST),
    "dashboard:quotes-attachment": Rule(
        "vendor",
        **side_rows(
            lambda w, s: {"pk": w.side(s).quote_request.pk, "att": w.side(s).attachment.pk}, "vendor"
        ),
    ),
    "dashboard:quotes-retry": Rule("operator", **side_rows(qr_pk, "")),
    "dashboard:quotes-cancel": Rule("operator", **side_rows(qr_pk, "")),
    # --- 后台任务 (failed e-mails and task failures) -------------------------------------------
    "dashboard:core-tasks": OP,
    "dashboard:core-mail-retry": Rule("operator", **shared_rows(lambda w, s: {"pk": 1})),
    "dashboard:core-task-retry": Rule("operator", **shared_rows(lambda w, s: {"pk": 1})),
    "api:product-list": P,
    "api:product-detail": Rule("public", **shared_rows(lambda w, s: {"pk": w.side(s).product.pk})),
    "api:quote-request-list": S,
    "api:quote-request-detail": Rule("signed_in", **side_rows(qr_no, "buyer")),
    "api:quote-request-accept": Rule("signed_in", args=qr_no, **BUYER_POST),
    "api:quote-request-cancel": Rule("signed_in", args=qr_no, **BUYER_POST),
    # --- OEM ----------------------------------------------------------------------------------
    "oem:list": S,
    "oem:create": Rule("signed_in", **shared_rows(lambda w, s: {"product_pk": w.side(s).oem_product.pk})),
    "oem:detail": Rule("signed_in", **side_rows(oem_no, "buyer")),
    "oem:logo": Rule("signed_in", **side_rows(oem_no, "buyer")),
    "oem:action": Rule(
        "signed_in",
        args=lambda w, s: {"number": w.side(s).oem_order.number, "action": "cancel"},
        **BUYER_POST,
    ),
    "dashboard:oem-list": V,
    "dashboard:oem-detail": Rule("vendor", **side_rows(oem_no, "vendor")),
    "dashboard:oem-offer": Rule("vendor", args=oem_no, **VENDOR_POST),
    "dashboard:oem-transition": Rule("vendor", args=oem_no, **VENDOR_POST),
    "dashboard:oem-logo": Rule("vendor", **side_rows(oem_no, "vendor")),
    "api:oem-order-list": S,
    "api:oem-order-detail": Rule("signed_in", **side_rows(oem_pk, "buyer")),
    "api:oem-order-logo": Rule("signed_in", **side_rows(oem_pk, "buyer")),
    "api:oem-order-accept-offer": Rule("signed_in", args=oem_pk, **BUYER_POST),
    "api:oem-order-approve-sample": Rule("signed_in", args=oem_pk, **BUYER_POST),
    "api:oem-order-reject-sample": Rule("signed_in", args=oem_pk, **BUYER_POST),
    "api:oem-order-confirm-receipt": Rule("signed_in", args=oem_pk, **BUYER_POST),
    "api:oem-order-cancel": Rule("signed_in", args=oem_pk, **BUYER_POST),
    "api:oem-order-offer": Rule("signed_in", args=oem_pk, **VENDOR_POST),
    "api:oem-order-transition": Rule("signed_in", args=oem_pk, **VENDOR_POST),
    # --- vendors (入驻, review, imports) ----------------------------------------------------------
    "vendors:apply": P,
    "vendors:status": S,
    "vendors:licence": Rule("signed_in", **side_rows(application, "buyer")),
    "dashboard:vendors-application-list": OP,
    "dashboard:vendors-application-detail": Rule("operator", **side_rows(application, "")),
    "dashboard:vendors-application-approve": Rule("operator", **side_rows(application, "")),
    "dashboard:vendors-application-reject": Rule("operator", **side_rows(application, "")),
    "dashboard:vendors-application-licence": Rule("operator", **side_rows(application, "")),
    "dashboard:vendors-product-review-list": OP,
    "dashboard:vendors-product-approve": Rule(
        "operator", **side_rows(lambda w, s: {"pk": w.side(s).pending_product.pk}, "")
    ),
    "dashboard:vendors-product-reject": Rule(
        "operator", **side_rows(lambda w, s: {"pk": w.side(s).pending_product.pk}, "")
    ),
    "dashboard:vendors-import-list": V,
    "dashboard:vendors-import-detail": Rule(
        "vendor", **side_rows(lambda w, s: {"pk": w.side(s).product_import.pk}, "vendor")
    ),
    "dashboard:vendors-import-progress": Rule(
        "vendor", **side_rows(lambda w, s: {"pk": w.side(s).product_import.pk}, "vendor")
    ),
    "dashboard:vendors-import-template": Rule("vendor", **shared_rows(lambda w, s: {"fmt": "csv"})),
    # --- payments -------------------------------------------------------------------------------
    "payments:order-list": S,
    "payments:order-detail": Rule("signed_in", **side_rows(order_no, "buyer")),
    "payments:bank-transfer": Rule("signed_in", args=stage, **BUYER_POST),
    "payments:card-pay": Rule("signed_in", args=stage, **BUYER_POST),
    "payments:stripe-intent": Rule("signed_in", args=stage, **BUYER_POST),
    "payments:stripe-authenticate": Rule("signed_in", **side_rows(attempt, "buyer")),
    "payments:stripe-return": Rule("signed_in", args=attempt, **BUYER_POST),
    "payments:invoice-request": Rule("signed_in", **side_rows(order_no, "buyer")),
    "payments:slip": Rule("signed_in", **side_rows(transfer, "buyer")),
    "payments:stripe-webhook": P,  # no session: the event's signature is checked
    "api:order-list": S,
    "api:order-detail": Rule("signed_in", **side_rows(order_no, "buyer")),
    "api:order-bank-transfer": Rule("signed_in", args=stage, **BUYER_POST),
    "api:order-invoice-request": Rule("signed_in", args=order_no, **BUYER_POST),
    "dashboard:payments-list": V,
    "dashboard:payments-order": Rule("vendor", **side_rows(order_no, "vendor")),
    "dashboard:payments-invoice-issue": Rule("vendor", args=order_no, **VENDOR_POST),
    "dashboard:payments-transfer-confirm": Rule("vendor", args=transfer, **VENDOR_POST),
    "dashboard:payments-transfer-reject": Rule("vendor", args=transfer, **VENDOR_POST),
    "dashboard:payments-slip": Rule("vendor", **side_rows(transfer, "vendor")),
    "dashboard:payments-stripe-events": OP,
    # --- the public storefront ------------------------------------------------------------------
    "set_language": P,
    # --- site pages (联系我们, 帮助中心, 用户协议, 隐私政策, 入驻规则): public, edited by operators --
    "sitepages:page": Rule("public", **shared_rows(lambda w, s: {"slug": site_page_slug()})),
    "sitepages:dashboard-list": OP,
    "sitepages:dashboard-edit": Rule("operator", **shared_rows(lambda w, s: {"slug": site_page_slug()})),
    # --- health endpoints for the load balancer (no data, no cookie) ---------------------------
    "health:live": P,
    "health:ready": P,
    # --- public media (product images) streamed from the default storage: no private file there
    "media": Rule("public", **shared_rows(lambda w, s: {"path": "images/products/none.png"})),
    "home": P,
    "search:search": P,
    "offer:list": P,
    "offer:detail": Rule("public", **shared_rows(lambda w, s: {"slug": w.offer.slug})),
    "catalogue:index": P,
    "catalogue:detail": Rule(
        "public",
        **shared_rows(lambda w, s: {"product_slug": w.side(s).product.slug, "pk": w.side(s).product.pk}),
    ),
    "catalogue:category": Rule(
        "public", **shared_rows(lambda w, s: {"category_slug": w.category.full_slug, "pk": w.category.pk})
    ),
    "catalogue:range": Rule("public", **shared_rows(lambda w, s: {"slug": w.range.slug})),
    "catalogue:reviews-list": Rule(
        "public", **shared_rows(lambda w, s: {"product_slug": w.a.product.slug, "product_pk": w.a.product.pk})
    ),
    "catalogue:reviews-add": Rule(
        "public", **shared_rows(lambda w, s: {"product_slug": w.b.product.slug, "product_pk": w.b.product.pk})
    ),
    "catalogue:reviews-detail": Rule(
        "public",
        **shared_rows(
            lambda w, s: {"product_slug": w.a.product.slug, "product_pk": w.a.product.pk, "pk": w.review.pk}
        ),
    ),
    "catalogue:reviews-vote": Rule(
        "signed_in",
        **shared_rows(
            lambda w, s: {"product_slug": w.a.product.slug, "product_pk": w.a.product.pk, "pk": w.review.pk}
        ),
    ),
    "wishlists:detail": Rule(
        "nobody", **side_rows(lambda w, s: {"key": w.side(s).wishlist.key}, "buyer"), sanity=False
    ),
    "password-reset": P,
    "password-reset-done": P,
    "password-reset-complete": P,
    "password-reset-confirm": Rule(
        "public", **shared_rows(lambda w, s: {"uidb64": "MQ", "token": "bogus-token"})
    ),
    # --- buying units: each buyer is the 管理员 of its side's unit (world._buying_units) --------
    # --- sourcing: a unit's 网上询价 / 反向竞价 (buyer pages) and the vendors' dashboard pages ---
    "sourcing:list": Rule("buyer"),  # the own unit's events (403 without a unit)
    "sourcing:create": Rule("buyer"),
    "sourcing:detail": Rule("buyer", **side_rows(sourcing_no, "buyer")),
    "sourcing:action": Rule("signed_in", args=sourcing_act, **BUYER_POST),
    "notices:list": P,  # the public 采购公告
    "notices:detail": Rule("public", **shared_rows(lambda w, s: {"pk": w.notice.pk})),
    "dashboard:sourcing-list": V,
    "dashboard:sourcing-detail": Rule("vendor", **side_rows(sourcing_no, "vendor")),
    "dashboard:sourcing-respond": Rule("vendor", args=sourcing_no, **VENDOR_POST),
    "dashboard:sourcing-bid": Rule("vendor", args=sourcing_no, **VENDOR_POST),
    "dashboard:sourcing-status": Rule("vendor", **side_rows(sourcing_no, "vendor")),
    "buyers:unit": S,  # the own unit's workbench, or the form to create one
    "buyers:members": Rule("buyer"),  # the own unit's members: unit members only (404 without a unit)
    "buyers:member-action": Rule(
        "signed_in",
        args=lambda w, s: {"pk": w.side(s).extra["unit_member"].pk, "action": "deactivate"},
        **BUYER_POST,
    ),
    # the link of an invitation e-mail: anyone holding it (a made-up token is refused)
    "buyers:invitation": Rule("public", **shared_rows(lambda w, s: {"token": "bogus:token"})),
    "api:unit": Rule("buyer"),  # unit members only (404 without a unit)
    "api:unit-members": Rule("buyer"),
    "api:unit-member": Rule(
        "signed_in", args=lambda w, s: {"pk": w.side(s).extra["unit_member"].pk}, **BUYER_POST
    ),
    # budgets, approval rules and approvals of the own unit (world._unit_budget_and_approval):
    # lists for unit members only (404 without a unit); rows of the other unit are a 404
    "buyers:budgets": Rule("buyer"),
    "buyers:budget-create": Rule("buyer"),  # 管理员 and 财务 (the role table); others 403
    "buyers:budgets-export": Rule("buyer"),
    "buyers:budget": Rule("buyer", **side_rows(unit_budget, "buyer")),
    "buyers:budget-edit": Rule("buyer", **side_rows(unit_budget, "buyer")),
    "buyers:rules": Rule("buyer"),
    "buyers:rule-edit": Rule("buyer", **side_rows(unit_rule, "buyer")),
    "buyers:approvals": Rule("buyer"),
    "buyers:approval": Rule("buyer", **side_rows(unit_approval, "buyer")),
    "buyers:approval-decide": Rule("signed_in", args=unit_approval, **BUYER_POST),
    "buyers:approval-withdraw": Rule("signed_in", args=unit_approval, **BUYER_POST),
    "api:unit-budgets": Rule("buyer"),
    "api:unit-budget": Rule("buyer", **side_rows(unit_budget, "buyer")),
    "api:unit-rules": Rule("buyer"),
    "api:unit-rule": Rule("buyer", **side_rows(unit_rule, "buyer")),
    "api:unit-approvals": Rule("buyer"),
    "api:unit-approval": Rule("buyer", **side_rows(unit_approval, "buyer")),
    "api:unit-approval-decide": Rule("signed_in", args=unit_approval, **BUYER_POST),
    "api:unit-approval-withdraw": Rule("signed_in", args=unit_approval, **BUYER_POST),
}


# ---- targets with an audience of their own ------------------------------------------------------


def _vendor_and_operator(side: str) -> frozenset:
    return frozenset({f"vendor_{side}", "operator"})


def _unpublished(w):
    """(side, product) for every parent waiting for review or rejected, and their variants."""
    for s in ("a", "b"):
        rows = w.side(s).extra
        for status in ("pending", "rejected"):
            for p in (rows[f"{status}_parent"], *rows[f"{status}_children"]):
                yield s, p


def _unpublished_targets(make_kwargs, make_data=None, methods=("GET", "POST")):
    def targets(w):
        return [
            Target(
                make_kwargs(p),
                _vendor_and_operator(s),
                data=make_data(p) if make_data else None,
                methods=methods,
                label=p.title,
            )
            for s, p in _unpublished(w)
        ]

    return targets


def _review_targets(route_methods):
    def targets(w):
        out = []
        for s in ("a", "b"):
            side = w.side(s)
            for name in ("review-pending", "review-rejected"):
                review = side.extra[name]
                product = side.extra["reviewed_product"]
                kwargs = {"product_slug": product.slug, "product_pk": product.pk, "pk": review.pk}
                allowed = frozenset({f"buyer_{s}", "operator"} if name == "review-pending" else {"operator"})
                out.append(Target(kwargs, allowed, methods=route_methods, label=name))
        return out

    return targets


def _review_vote_targets(w):
    # nobody votes on a review that is not published
    return [
        Target(t.kwargs, frozenset(), roles=ROLES[:-1], methods=("POST",), label=t.label)
        for t in _review_targets(("POST",))(w)
    ]


def _shared_request_targets(w):
    qr = w.shared_request
    return [
        Target({"pk": qr.pk}, frozenset({"vendor_a", "vendor_b", "operator"}), methods=("GET",), sanity=True),
    ]


def _shared_quote_targets(w):
    qr = w.shared_request
    return [
        Target({"pk": qr.pk, "vq": w.shared_vq_a.pk}, _vendor_and_operator("a"), label="vendor A's quote"),
        Target({"pk": qr.pk, "vq": w.shared_vq_b.pk}, _vendor_and_operator("b"), label="vendor B's quote"),
    ]


def _shared_request_buyer_targets(w):
    return [
        Target({"number": w.shared_request.number}, frozenset({"buyer_a"}), methods=("GET",), sanity=True)
    ]


def _shared_order_vendor_targets(w):
    return [
        Target({"number": w.shared_order.number}, _vendor_and_operator("b"), methods=("GET",), sanity=True)
    ]


def _mall_product_edit_targets(w):
    # each vendor may open it for its own stock record at most (the page must not show the other's)
    both = frozenset({"vendor_a", "vendor_b", "operator"})
    return [Target({"pk": w.shared_product.pk}, both, methods=("GET",), label="mall-owned product")]


def _mall_product_delete_targets(w):
    return [Target({"pk": w.shared_product.pk}, frozenset({"operator"}), label="mall-owned product")]


def _quote_list_remove_targets(w):
    # another buyer's line id: refused (a message, never a 500), nothing deleted
    out = []
    for s in ("a", "b"):
        line = w.side(s).extra["quote_list_line"]
        roles = tuple(r for r in ROLES if r != f"buyer_{s}")
        out.append(
            Target(
                {}, frozenset(), roles=roles, data={"remove": str(line.pk)}, methods=("POST",), label="remove"
            )
        )
    return out


def _foreign_order_line_targets(w):
    # the buyer's own order number with the other buyer's line id
    out = []
    for s, other in (("a", "b"), ("b", "a")):
        kwargs = {
            "order_number": w.side(s).order.number,
            "line_id": w.side(other).order.lines.first().pk,
        }
        out.append(Target(kwargs, frozenset(), roles=(f"buyer_{s}",), label="foreign line"))
    return out


_detail_kwargs = lambda p: {"product_slug": p.slug, "pk": p.pk}  # noqa: E731
_EXTRA_TARGETS = {
    "catalogue:detail": _unpublished_targets(_detail_kwargs, methods=("GET",)),
    "basket:add": _unpublished_targets(lambda p: {"pk": p.pk}, lambda p: {"quantity": "1"}, ("POST",)),
    "quotes:list-add": _unpublished_targets(
        lambda p: {}, lambda p: {"product": str(p.pk), "quantity": "1"}, ("POST",)
    ),
    "api:product-detail": _unpublished_targets(lambda p: {"pk": p.pk}, methods=("GET",)),
    "catalogue:reviews-detail": _review_targets(("GET",)),
    "catalogue:reviews-vote": _review_vote_targets,
    "dashboard:quotes-detail": _shared_request_targets,
    "dashboard:quotes-answer": _shared_quote_targets,
    "quotes:detail": _shared_request_buyer_targets,
    "dashboard:order-detail": _shared_order_vendor_targets,
    "dashboard:catalogue-product": _mall_product_edit_targets,
    "dashboard:catalogue-product-delete": _mall_product_delete_targets,
    "quotes:list": _quote_list_remove_targets,
    "customer:order-line": _foreign_order_line_targets,
}
for _key, _fn in _EXTRA_TARGETS.items():
    TABLE[_key] = TABLE[_key].with_targets(_fn)


def _area_rules() -> dict[str, Rule]:
    """Each feature area classifies its routes in its own module
    ``tests/security/access_<area>.py`` (a ``RULES`` dict, same shape as TABLE)."""
    import importlib
    import pkgutil

    import tests.security as package

    rules: dict[str, Rule] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("access_") and info.name != "access_table":
            area = importlib.import_module(f"tests.security.{info.name}").RULES
            clash = set(area) & (set(TABLE) | set(rules))
            assert not clash, f"{info.name} classifies routes already classified: {sorted(clash)}"
            rules.update(area)
    return rules


TABLE.update(_area_rules())
