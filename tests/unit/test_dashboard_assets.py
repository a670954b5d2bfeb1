"""The dashboard loads Oscar's heavy widgets only where a page uses them: the TinyMCE editor on
pages with a rich-text form, the date pickers (moment, Tempus Dominus) and input masks on pages
with a date field, select2 on pages with a drop-down, jquery-sortable on pages with a sortable
list; the home page loads none of them."""

import re
from pathlib import Path

import oscar
import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test import factories
from oscar.test.factories import create_product

from shop.apps.dashboard.widgets import WYSIWYG_TEMPLATES, is_drop_down, template_marks
from tests.factories.accounts import OperatorFactory

pytestmark = pytest.mark.django_db

ProductClass = get_model("catalogue", "ProductClass")

TINYMCE = "oscar/js/tinymce/tinymce.min.js"
PICKERS = "bootstrap4-datetimepicker/moment-with-locales.min.js"
MASKS = "oscar/js/inputmask/jquery.inputmask.min.js"
SELECT2 = "oscar/js/select2/select2.min.js"
SORTABLE = "oscar/js/jquery-sortable/jquery-sortable-min.js"


def scripts(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


def loads(html: str, asset: str) -> bool:
    return any(asset in src for src in scripts(html))


@pytest.fixture
def operator_client(client):
    client.force_login(OperatorFactory(username="assets_operator", is_superuser=True))
    return client


def test_the_home_page_and_lists_load_neither_the_editor_nor_the_date_pickers(operator_client):
    create_product(title="智慧灯杆", price=100)
    for name in ("dashboard:index", "dashboard:catalogue-product-list", "dashboard:payments-stripe-events"):
        # when the operator opens the page
        response = operator_client.get(reverse(name))
        html = response.content.decode()
        # then Oscar's dashboard script is there, the editor and the pickers are not
        assert response.status_code == 200, name
        assert loads(html, "oscar/js/oscar/dashboard.js"), name
        assert not loads(html, TINYMCE) and "tinymce" not in html, name
        assert not loads(html, PICKERS) and "tempusdominus" not in html, name


def test_the_home_page_loads_none_of_the_widgets(operator_client):
    # when the operator opens the dashboard's home page
    html = operator_client.get(reverse("dashboard:index")).content.decode()
    # then none of Oscar's widget scripts or their styles are there
    for asset in (TINYMCE, PICKERS, MASKS, SELECT2, SORTABLE, "jquery.mousewheel.js"):
        assert not loads(html, asset), asset
    assert "select2.min.css" not in html and "select2-bootstrap" not in html
    # but the scripts that make Oscar's calls to them do nothing are
    assert loads(html, "shop/js/dashboard.js") and loads(html, "oscar/js/oscar/dashboard.js")


def test_a_page_with_a_drop_down_loads_select2_and_only_that(operator_client):
    # given the Stripe event list, whose template writes its <select> itself, and a page whose
    # form has a drop-down field (the product class form's attribute types)
    product_class = ProductClass.objects.create(name="智慧城市设备")
    for url in (
        reverse("dashboard:payments-stripe-events"),
        reverse("dashboard:catalogue-class-update", kwargs={"pk": product_class.pk}),
    ):
        # when the operator opens it
        html = operator_client.get(url).content.decode()
        # then select2, its styles and mouse-wheel scrolling load; no masks, no sortable list
        assert "<select" in html, url
        assert loads(html, SELECT2) and loads(html, "jquery.mousewheel.js"), url
        assert "select2.min.css" in html, url
        assert not loads(html, MASKS) and not loads(html, SORTABLE), url


def test_the_order_list_loads_the_masks_of_its_date_fields_and_select2(operator_client):
    html = operator_client.get(reverse("dashboard:order-list")).content.decode()
    assert "data-inputmask" in html and loads(html, MASKS) and loads(html, PICKERS)
    assert "<select" in html and loads(html, SELECT2)
    assert not loads(html, SORTABLE)


def test_the_range_products_page_loads_the_sortable_list(operator_client):
    product_range = factories.RangeFactory(name="信创专区", is_public=True)
    html = operator_client.get(
        reverse("dashboard:range-products", kwargs={"pk": product_range.pk})
    ).content.decode()
    assert loads(html, SORTABLE)


def test_a_template_is_marked_by_what_it_includes_and_extends(tmp_path, settings):
    # given a partial with a drop-down, a page including it and a page extending that page
    (tmp_path / "marks").mkdir()
    (tmp_path / "marks" / "partial.html").write_text('<select name="状态"></select>', encoding="utf-8")
    (tmp_path / "marks" / "page.html").write_text('{% include "marks/partial.html" %}', encoding="utf-8")
    (tmp_path / "marks" / "child.html").write_text("{% extends 'marks/page.html' %}", encoding="utf-8")
    (tmp_path / "marks" / "plain.html").write_text("<p>列表</p>", encoding="utf-8")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    template_marks.cache_clear()
    try:
        marks = template_marks()
        # then the partial and every page reaching it need select2, the plain page does not
        assert marks["marks/partial.html"] == {"selects"}
        assert marks["marks/page.html"] == {"selects"}
        assert marks["marks/child.html"] == {"selects"}
        assert marks["marks/plain.html"] == frozenset()
        assert "sortable" in marks["oscar/dashboard/ranges/range_product_list.html"]
    finally:
        template_marks.cache_clear()


def test_a_drop_down_inside_the_related_object_wrapper_counts():
    from django import forms
    from oscar.apps.dashboard.widgets import RelatedFieldWidgetWrapper

    class Rel:
        model = ProductClass

    wrapped = RelatedFieldWidgetWrapper(forms.Select(), Rel())
    assert is_drop_down(wrapped) and is_drop_down(forms.SelectMultiple())
    assert not is_drop_down(forms.TextInput()) and not is_drop_down(forms.CheckboxInput())


def test_the_product_edit_page_loads_the_editor(operator_client):
    product = create_product(title="智慧灯杆", price=100)
    html = operator_client.get(
        reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    ).content.decode()
    assert loads(html, TINYMCE) and loads(html, "oscar/js/tinymce/jquery.tinymce.min.js")
    assert 'class="form-stacked wysiwyg' in html or "wysiwyg" in html


def test_a_page_with_a_date_field_loads_the_date_pickers_but_not_the_editor(operator_client):
    html = operator_client.get(reverse("dashboard:voucher-create")).content.decode()
    assert loads(html, PICKERS) and loads(html, "tempusdominus-bootstrap-4.min.js")
    assert 'data-oscarWidget="datetime"' in html
    assert loads(html, MASKS) and "data-inputmask" in html
    assert not loads(html, TINYMCE)


def test_every_oscar_dashboard_template_with_a_rich_text_form_is_listed():
    # given Oscar's dashboard templates, and those extending one with a ``wysiwyg`` form
    root = Path(oscar.__file__).parent / "templates"
    sources = {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in (root / "oscar" / "dashboard").rglob("*.html")
    }
    rich = {name for name, source in sources.items() if "wysiwyg" in source}
    rich |= {
        name
        for name, source in sources.items()
        if any(re.search(rf"{{% extends [\"']{re.escape(parent)}[\"'] %}}", source) for parent in rich)
    }
    # then each is in the list the layout reads, and the list names nothing else
    assert rich == set(WYSIWYG_TEMPLATES)
