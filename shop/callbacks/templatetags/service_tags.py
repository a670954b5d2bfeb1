"""``{% service_actions product %}``: on a service package's product page, what its buyers do
there instead of buying a box (申请融资, 结算咨询, 预约咨询服务, 预约咨询) and the mall's hotline and contact
from settings. Nothing for goods."""

from django import template
from django.urls import reverse

from shop.callbacks.selectors import is_service_product

register = template.Library()


def _consulting_url(product, base) -> str:
    """预约咨询服务 for the package, with the variant on show preselected."""
    url = reverse("consulting:book", args=[base.pk])
    return f"{url}?variant={product.pk}" if product.pk != base.pk else url


@register.inclusion_tag("callbacks/partials/service_actions.html", takes_context=True)
def service_actions(context, product):
    if not is_service_product(product):
        return {"show": False}
    from shop.consulting.selectors import is_consulting_product
    from shop.financing.selectors import is_financing_product, is_freelance_product
    from shop.outsourcing.selectors import is_outsourcing_product

    base = product.parent if product.parent_id else product
    return {
        "show": True,
        "product": product,
        "mall": context.get("mall") or {},
        "financing_url": reverse("financing:apply", args=[base.pk]) if is_financing_product(base) else "",
        "freelance_url": reverse("financing:freelance", args=[base.pk]) if is_freelance_product(base) else "",
        "outsourcing_url": reverse("outsourcing:new", args=[base.pk]) if is_outsourcing_product(base) else "",
        "consulting_url": _consulting_url(product, base) if is_consulting_product(base) else "",
        "book_url": f"{reverse('callbacks:book')}?product={product.pk}",
        "partners_url": reverse("partners:index"),
    }
