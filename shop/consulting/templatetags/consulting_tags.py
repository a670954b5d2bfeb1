"""``{% is_consulting_package product as booked %}``: whether a product page sells the 政企咨询服务包,
which is booked (预约咨询服务), not put in the basket."""

from django import template

from shop.consulting.selectors import is_consulting_product

register = template.Library()


@register.simple_tag
def is_consulting_package(product) -> bool:
    return is_consulting_product(product)
