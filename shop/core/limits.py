"""Upper bounds of the numbers people type into quotes and OEM orders.

Defined once and used by the forms, the API serializers, the services and the models
(``CheckConstraint``s), so a figure no real order has (OEM quantity 999999999999) is refused
with a clear Chinese message at the door instead of breaking a worker later. The money bounds
keep every total within Oscar's order columns (12 digits, 2 decimals)."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# quantities
MAX_QUOTE_QUANTITY = 100_000  # one line of a 询价单 / quote request
MAX_OEM_QUANTITY = 1_000_000  # one OEM production order

# money (yuan, tax-inclusive)
MAX_UNIT_PRICE = Decimal("99999999.99")  # 单价: below ¥100,000,000
MAX_AMOUNT = Decimal("9999999999.99")  # 预算, 开模费, 定金, a quote's or an OEM offer's total

# days
MAX_QUOTE_LEAD_DAYS = 3650  # a vendor quote's 交货期
MAX_OEM_LEAD_DAYS = 730  # an OEM offer's 交期
MAX_ESTIMATED_LEAD_DAYS = 3650  # the OEM review's estimate is capped at this
MAX_QUOTE_VALIDITY_DAYS = 365  # a vendor quote is valid at most this long from today

# Messages, each with %(limit)s
QUANTITY_TOO_LARGE = _("数量不能超过 %(limit)s。")
PRICE_TOO_LARGE = _("单价不能超过 %(limit)s 元。")
AMOUNT_TOO_LARGE = _("金额不能超过 %(limit)s 元。")
BUDGET_TOO_LARGE = _("预算不能超过 %(limit)s 元。")
TOTAL_TOO_LARGE = _("订单总额不能超过 %(limit)s 元，请分批下单或联系平台。")
DAYS_TOO_LARGE = _("天数不能超过 %(limit)s 天。")
VALIDITY_TOO_LONG = _("报价有效期最长 %(limit)s 天。")


def limit_text(value) -> str:
    """How a bound reads in a message: 100000 or 99999999.99 (as the existing messages do)."""
    return f"{value}"
