"""The sourcing JSON API (/api/sourcing/): a unit's members read their unit's events, vendors
the events they are invited to; responses and bids are vendors' POSTs."""

from tests.security.access_table import VENDOR_POST, Rule, S, side_rows, sourcing_no

RULES = {
    "api:sourcing-list": S,
    "api:sourcing-detail": Rule("signed_in", **side_rows(sourcing_no, "buyer")),
    "api:sourcing-respond": Rule("signed_in", args=sourcing_no, **VENDOR_POST),
    "api:sourcing-bid": Rule("signed_in", args=sourcing_no, **VENDOR_POST),
}
