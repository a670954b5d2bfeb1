"""Every product has a picture: a vendor's checked photo (a thumbnail made once, then reused),
otherwise a drawn illustration of its product class — never a grey text tile."""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oscar.core.loading import get_model
from PIL import Image

from shop.core.uploads import check_svg
from shop.storefront.pictures import DEFAULT_ILLUSTRATION, ILLUSTRATIONS, product_picture
from tests.factories.accounts import make_vendor_user
from tests.factories.storefront import load_real_catalogue
from tests.factories.vendors import product_class, root_category
from tests.unit.test_vendors_products import create_url, form_errors, product_form_data

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
ILLUSTRATION_DIR = Path(settings.BASE_DIR) / "shop" / "static" / "shop" / "img" / "products"


def png(size=(640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (11, 78, 162)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("name", sorted({*ILLUSTRATIONS.values(), DEFAULT_ILLUSTRATION}))
def test_each_illustration_is_a_safe_drawn_svg_with_a_chinese_title(name):
    data = (ILLUSTRATION_DIR / f"{name}.svg").read_bytes()
    check_svg(data)  # no script, handler or external reference
    assert re.search(rb"<title>[^<]*[\xe4-\xe9][^<]*</title>", data)
    assert b"<text" not in data  # drawn, not lettered


def test_every_demo_product_shows_its_class_illustration_on_its_card_and_page(client):
    # given the demo catalogue, which has no photos
    load_real_catalogue()
    listing = (
        client.get("/catalogue/?page=1").content.decode() + client.get("/catalogue/?page=2").content.decode()
    )
    for product in Product.objects.filter(parent__isnull=True).select_related("product_class"):
        svg = f"/static/shop/img/products/{ILLUSTRATIONS[product.product_class.slug]}.svg"
        # when its card and page are shown / then both show the drawn illustration
        assert re.search(
            rf'<img src="{re.escape(svg)}" alt="{re.escape(product.title)}" loading="lazy" class="xh-illustration">',
            listing,
        ), product.upc
        page = client.get(product.get_absolute_url()).content.decode()
        assert f'class="xh-gallery-main xh-illustration" src="{svg}"' in page, product.upc
        assert "xh-card-placeholder" not in listing and "xh-gallery-placeholder" not in page


def vendor_posts_photo(client, upload):
    pc = product_class()
    page = client.get(create_url(pc))
    data = product_form_data(
        page,
        {
            "title": "智慧灯杆",
            "unit": "套",
            "tax_rate": "0.13",
            "oem_min_quantity": "1",
            "lead_time_days": "9",
        },
        stock={"partner_sku": "SKU-POLE", "price": "880.00", "num_in_stock": 3},
        category=root_category().pk,
    )
    data[f"{page.context['image_formset'].prefix}-0-original"] = upload
    return client.post(create_url(pc), data)


def test_a_disguised_photo_is_refused_in_chinese_and_nothing_is_stored(client):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    # when a vendor uploads a text file named .png as its product photo
    response = vendor_posts_photo(client, SimpleUploadedFile("灯杆.png", b"not an image at all", "image/png"))
    # then the form says why and neither the product nor a photo is stored
    assert response.status_code == 200
    errors = response.context["image_formset"].forms[0].errors["original"]
    assert errors and all(re.search(r"[\u4e00-\u9fff]", str(e)) for e in errors), errors
    assert not Product.objects.filter(title="智慧灯杆").exists()
    assert ProductImage.objects.count() == 0


def test_a_photo_is_stored_and_its_thumbnail_is_made_once(client):
    vendor, _partner = make_vendor_user()
    client.force_login(vendor)
    # given a vendor's product with a real photo
    response = vendor_posts_photo(client, SimpleUploadedFile("灯杆.png", png(), "image/png"))
    assert response.status_code == 302, form_errors(response)
    product = Product.objects.prefetch_related("images").get(title="智慧灯杆")
    # when the picture is asked for twice
    first = product_picture(product)
    with CaptureQueriesContext(connection) as ctx:
        second = product_picture(product)
    # then it is a thumbnail of the photo, made the first time and reused the second
    assert first.is_photo and first.url == second.url
    assert re.match(r"^/media/cache/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.(png|jpg)$", first.url), first.url
    assert len(ctx.captured_queries) == 0
    with Image.open(Path(settings.MEDIA_ROOT) / first.url.removeprefix("/media/")) as thumb:
        assert thumb.size == (400, 300)


def test_a_variant_shows_its_parents_picture():
    load_real_catalogue()
    variant = Product.objects.select_related("parent__product_class").get(upc="XH-CONSULT-DAY")
    assert product_picture(variant).url == "/static/shop/img/products/consulting.svg"
    assert product_picture(variant).is_photo is False


def test_a_basket_line_shows_the_catalogue_picture_of_its_product(client):
    from oscar.core.loading import get_class

    from tests.factories.accounts import UserFactory

    Basket = get_model("basket", "Basket")
    Selector = get_class("partner.strategy", "Selector")
    # given a buyer whose 采购车 holds a variant of the demo catalogue's consulting package
    load_real_catalogue()
    buyer = UserFactory(username="picture_buyer")
    basket = Basket.open.create(owner=buyer)
    basket.strategy = Selector().strategy(user=buyer)
    variant = Product.objects.get(upc="XH-CONSULT-DAY")
    basket.add_product(variant, quantity=1)
    client.force_login(buyer)
    # when the buyer opens the 采购车
    html = client.get("/basket/").content.decode()
    # then the line shows the drawn illustration of its class, as the catalogue does, not Oscar's grey tile
    pictures = re.findall(r"<img [^>]*data-basket-picture[^>]*>", html)
    assert len(pictures) == 1, pictures
    assert 'src="/static/shop/img/products/consulting.svg"' in pictures[0]
    assert f'alt="{variant.get_title()}"' in pictures[0]
    assert "/media/cache/" not in html and "image_not_found" not in html
