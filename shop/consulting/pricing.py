"""The price and range rules of a consulting engagement, as plain functions.

- Price: units × the package's price (3 天 × ¥500 = ¥1,500). The catalogue's price is a 起价
  ("500 元起/天"): the figure shown before the consultant confirms is indicative ("¥1,500.00 起");
  the order is placed only at the price the consultant confirmed (the same rule as a 起价 line
  of an indicative quote, ``shop.quotes.services._acceptance``).
- Range: a day package covers consecutive calendar days from the start date (3 天 from 12-10:
  12-10, 12-11, 12-12) and books each of them on the consultant's calendar; a month package ends
  the day before the same date n months later, a 半年 package 6 × n months, a 年 package 12 × n.
"""

import calendar
from datetime import date, timedelta
from decimal import Decimal

from shop.core.money import q2

from .models import Package

# the longest engagement per package (longer: the next package up)
MAX_UNITS = {Package.DAY: 30, Package.MONTH: 12, Package.HALF_YEAR: 2, Package.YEAR: 3}
MONTHS = {Package.MONTH: 1, Package.HALF_YEAR: 6, Package.YEAR: 12}
# a start date at most this far ahead
MAX_LEAD_DAYS = 365
# the catalogue's topics (catalog_fixtures/10_consulting.yaml, 咨询内容)
TOPICS = (
    "产品比选",
    "价格比选",
    "服务比选",
    "证书查验",
    "公司考察",
    "招标文件",
    "工程造价",
    "资产评估",
    "项目核价",
    "方案设计",
    "采购政策",
)
UNIT_WORDS = {Package.DAY: "天", Package.MONTH: "个月", Package.HALF_YEAR: "个半年", Package.YEAR: "年"}


def engagement_price(*, quantity: int, unit_price: Decimal) -> Decimal:
    """The engagement's price: ``quantity`` × ``unit_price``, to the fen."""
    return q2(Decimal(unit_price) * int(quantity))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter: 01-31 + 1 = 02-28)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def engagement_end(*, package: str, start: date, quantity: int) -> date:
    """The last day the engagement covers (inclusive)."""
    if package == Package.DAY:
        return start + timedelta(days=quantity - 1)
    return add_months(start, MONTHS[Package(package)] * quantity) - timedelta(days=1)


def booked_days(*, package: str, start: date, quantity: int) -> list[date]:
    """The dates a package books on the consultant's calendar: a day package its days, the
    longer packages none (the consultant serves them alongside other clients)."""
    if package != Package.DAY:
        return []
    return [start + timedelta(days=i) for i in range(quantity)]


def topics_from_scope(scope: str) -> tuple[str, ...]:
    """The topics a product's 咨询内容 attribute lists ("产品比选，价格比选，…，采购政策等")."""
    text = (scope or "").strip().rstrip("。")
    if text.endswith("等"):
        text = text[:-1]
    parts = [p.strip() for p in text.replace(",", "，").replace("、", "，").split("，")]
    return tuple(p for p in parts if p)
