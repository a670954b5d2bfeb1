"""Files on S3-compatible object storage (``STORAGE_BACKEND=s3``) against a real SeaweedFS
server on loopback (the ``s3_server`` fixture): uploads through the real pages land in the
bucket and not on local disk, the permission-checked views stream them to their owners only,
the worker's quote PDF goes to the bucket, the bucket refuses anonymous reads, public media
are served on our own origin, and ``/health/ready`` checks the bucket."""

import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import filepath_to_uri
from oscar.core.loading import get_model

from shop.core.exceptions import DomainError
from shop.core.uploads import bytes_upload, private_storage
from shop.payments.models import BankTransfer
from shop.quotes.models import VendorQuote
from shop.settings.base import file_storages
from shop.vendors.models import VendorApplication
from tests.conftest import CeleryWorker, purge_broker, wait_until
from tests.factories.accounts import OperatorFactory, UserFactory, make_vendor_user
from tests.factories.catalogue import ProductFactory
from tests.factories.oem import SVG_OK, logo_upload, oem_world, reviewed_oem_order
from tests.factories.payments import placed_order, slip_png, transfer_post
from tests.factories.quotes import make_vendor, stocked_product, submit_request
from tests.factories.vendors import PDF_BYTES, application_data, png_bytes
from tests.s3 import SeaweedS3

pytestmark = pytest.mark.integration

ProductImage = get_model("catalogue", "ProductImage")
NOT_FOUND = "<title>页面不存在 | 湘慧商城</title>"


def use_s3(settings, server: SeaweedS3) -> None:
    """Point this process's settings (and so its storages) at ``server``."""
    for name, value in server.env().items():
        setattr(settings, name, value)
    settings.STORAGES = file_storages("s3", settings.STORAGES["staticfiles"]["BACKEND"])


@pytest.fixture
def s3(s3_server, settings):
    use_s3(settings, s3_server)
    return s3_server


def local_files() -> set[Path]:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT)]
    return {p for root in roots if root.exists() for p in root.rglob("*") if p.is_file()}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def object_bytes(server: SeaweedS3, key: str) -> bytes:
    return server.client().get_object(Bucket=server.bucket, Key=key)["Body"].read()


@pytest.mark.django_db
def test_a_vendor_licence_goes_to_the_bucket_and_only_its_applicant_and_operators_read_it(client, s3):
    # given the S3 backend and what is on local disk and in the bucket now
    disk_before, keys_before = local_files(), set(s3.keys())
    # when an applicant uploads the licence through the 入驻 page
    licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")
    response = client.post(reverse("vendors:apply"), {**application_data(), "licence": licence})
    assert response.status_code == 302
    application = VendorApplication.objects.get()
    # then the file is one new object under private/ with a generated name, and nothing on disk
    key = f"private/{application.licence.name}"
    assert set(s3.keys()) - keys_before == {key}
    assert application.licence.name.startswith("vendor-licences/") and "营业执照" not in key
    assert object_bytes(s3, key) == PDF_BYTES
    assert local_files() == disk_before
    # the applicant downloads it through the checked view
    url = reverse("vendors:licence", args=[application.pk])
    own = client.get(url)
    assert (own.status_code, own["Content-Type"], body(own)) == (200, "application/pdf", PDF_BYTES)
    # another buyer and another vendor are refused with the Chinese 404 page
    for stranger in (UserFactory(), make_vendor_user()[0]):
        client.force_login(stranger)
        refused = client.get(url)
        assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()
    # an operator reads it in the dashboard
    client.force_login(OperatorFactory())
    dashboard = client.get(reverse("dashboard:vendors-application-licence", args=[application.pk]))
    assert (dashboard.status_code, body(dashboard)) == (200, PDF_BYTES)


@pytest.mark.django_db
def test_a_remittance_slip_goes_to_the_bucket_and_only_the_buyer_and_the_orders_vendor_read_it(client, s3):
    # given an unpaid order of a buyer from a vendor, and another buyer and vendor
    buyer = UserFactory()
    vendor, partner = make_vendor_user()
    other_vendor, _ = make_vendor_user()
    order = placed_order(buyer=buyer, partner=partner, price="11800.00")
    stage = order.payment_stages.get()
    disk_before, keys_before = local_files(), set(s3.keys())
    # when the buyer uploads the slip on the payment page
    client.force_login(buyer)
    upload = slip_png("工行回单.png")
    slip = upload.read()
    upload.seek(0)
    response = client.post(
        reverse("payments:bank-transfer", kwargs={"number": order.number, "sequence": 1}),
        transfer_post(stage, slip=upload),
    )
    assert response.status_code == 302
    transfer = BankTransfer.objects.get(order=order)
    # then it is in the bucket under private/remittance/, not on local disk
    key = f"private/{transfer.slip.name}"
    assert set(s3.keys()) - keys_before == {key}
    assert transfer.slip.name.startswith("remittance/")
    assert object_bytes(s3, key) == slip
    assert local_files() == disk_before
    # the buyer and the order's vendor download it through the checked views
    own = client.get(reverse("payments:slip", kwargs={"pk": transfer.pk}))
    assert (own.status_code, own["Content-Type"], body(own)) == (200, "image/png", slip)
    client.force_login(vendor)
    seller = client.get(reverse("dashboard:payments-slip", kwargs={"pk": transfer.pk}))
    assert (seller.status_code, body(seller)) == (200, slip)
    # another buyer and another vendor get the Chinese 404 page
    client.force_login(UserFactory())
    refused = client.get(reverse("payments:slip", kwargs={"pk": transfer.pk}))
    assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()
    client.force_login(other_vendor)
    refused = client.get(reverse("dashboard:payments-slip", kwargs={"pk": transfer.pk}))
    assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_quote_pdf_rendered_by_a_real_worker_is_in_the_bucket_and_served_to_the_buyer(client, s3):
    # given a worker process started with the S3 settings, and a product two vendors stock
    purge_broker()
    (a, user_a), (b, _user_b) = make_vendor("甲"), make_vendor("乙")
    (_c, user_c) = make_vendor("丙")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")])
    buyer = UserFactory()
    disk_before, keys_before = local_files(), set(s3.keys())
    worker = CeleryWorker(extra_env=s3.env()).start()
    try:
        # when the buyer submits a request (enqueued on commit) and the worker renders the PDFs
        qr = submit_request(buyer=buyer, lines=[(product, 2)])
        wait_until(
            lambda: VendorQuote.objects.filter(request=qr, pdf_state="done").count() == 2,
            timeout=60,
            message="both PDFs rendered",
        )
    finally:
        worker.stop()
    # then both PDFs are objects under private/quote-pdfs/ and nothing new is on local disk
    quotes = list(VendorQuote.objects.filter(request=qr).order_by("partner__name"))
    keys = {f"private/{vq.pdf.name}" for vq in quotes}
    assert set(s3.keys()) - keys_before == keys
    assert all(vq.pdf.name.startswith("quote-pdfs/") for vq in quotes)
    assert local_files() == disk_before
    # the buyer downloads one through the checked view: the bucket's bytes, a PDF
    vq = next(q for q in quotes if q.partner == a)
    url = reverse("quotes:pdf", kwargs={"number": qr.number, "vq": vq.pk})
    client.force_login(buyer)
    own = client.get(url)
    data = body(own)
    assert (own.status_code, own["Content-Type"]) == (200, "application/pdf")
    assert data.startswith(b"%PDF-") and data == object_bytes(s3, f"private/{vq.pdf.name}")
    # its vendor reads it in the dashboard; another buyer and a vendor not asked are refused
    client.force_login(user_a)
    seller = client.get(reverse("dashboard:quotes-pdf", kwargs={"pk": qr.pk, "vq": vq.pk}))
    assert (seller.status_code, body(seller)) == (200, data)
    client.force_login(UserFactory())
    refused = client.get(url)
    assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()
    client.force_login(user_c)
    refused = client.get(reverse("dashboard:quotes-pdf", kwargs={"pk": qr.pk, "vq": vq.pk}))
    assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()


@pytest.mark.django_db
def test_a_quote_attachment_and_an_oem_logo_are_in_the_bucket_and_read_by_their_owners_only(client, s3):
    # given a buyer's quote request with an attachment and an OEM order with a logo
    buyer, stranger = UserFactory(), UserFactory()
    partner, _ = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    keys_before = set(s3.keys())
    qr = submit_request(
        buyer=buyer, lines=[(product, 1)], attachments=[bytes_upload(PDF_BYTES, "需求说明.pdf")]
    )
    attachment = qr.attachments.get()
    world = oem_world(buyer_username="oem-buyer")
    order = reviewed_oem_order(
        buyer=world["buyer"], product=world["product"], logo=logo_upload(SVG_OK, "品牌.svg")
    )
    # then both are objects under private/, with generated names
    assert set(s3.keys()) - keys_before == {f"private/{attachment.file.name}", f"private/{order.logo.name}"}
    assert attachment.file.name.startswith("quote-attachments/") and order.logo.name.startswith("oem/logos/")
    # and each is streamed to its owner and refused to a stranger
    attachment_url = reverse("quotes:attachment", kwargs={"number": qr.number, "pk": attachment.pk})
    logo_url = reverse("oem:logo", args=[order.number])
    for url, owner, data in ((attachment_url, buyer, PDF_BYTES), (logo_url, world["buyer"], SVG_OK)):
        client.force_login(owner)
        own = client.get(url)
        assert (own.status_code, body(own)) == (200, data)
        client.force_login(stranger)
        refused = client.get(url)
        assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()


@pytest.mark.django_db
def test_the_bucket_refuses_anonymous_reads_and_a_private_link_is_signed_for_minutes(s3):
    # given a private file saved outside any transaction (kept)
    name = private_storage.save("probe/anonymous.pdf", ContentFile(PDF_BYTES))
    key = f"private/{name}"
    try:
        # when anyone asks the S3 server for the object or the bucket's list without a signature
        for url in (f"{s3.endpoint}/{s3.bucket}/{key}", f"{s3.endpoint}/{s3.bucket}/"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url, timeout=10)
            # then it is refused
            assert refused.value.code == 403
        # and the storage's own link is signed, valid for S3_URL_EXPIRE_SECONDS (300) only
        signed = private_storage.url(name)
        assert signed.startswith(f"{s3.endpoint}/{s3.bucket}/{key}?")
        assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed
        with urllib.request.urlopen(signed, timeout=10) as answer:
            assert answer.read() == PDF_BYTES
    finally:
        private_storage.delete(name)
    assert key not in s3.keys()


@pytest.mark.django_db
def test_a_file_saved_in_a_transaction_that_rolls_back_is_deleted_from_the_bucket(s3):
    keys_before = set(s3.keys())
    # when a private file is saved and the transaction then fails
    with pytest.raises(DomainError), transaction.atomic():
        name = private_storage.save("probe/rolled-back.pdf", ContentFile(PDF_BYTES))
        assert f"private/{name}" in s3.keys()
        raise DomainError("后续步骤失败")
    # then the object is gone again
    assert set(s3.keys()) == keys_before


@pytest.mark.django_db
def test_a_product_image_is_in_the_bucket_and_served_on_our_own_origin(client, s3):
    # given a product image saved through Oscar's model (the default storage)
    disk_before = local_files()
    # a name of its own: sorl-thumbnail remembers thumbnails by source name in the cache, which
    # outlives other tests' rolled-back rows
    image = ProductImage.objects.create(
        product=ProductFactory(),
        original=SimpleUploadedFile(f"会议一体机-{uuid.uuid4().hex[:8]}.png", png_bytes()),
    )
    try:
        key = f"media/{image.original.name}"
        assert key in s3.keys() and local_files() == disk_before
        # when a browser follows the image's URL
        url = image.original.url
        assert url == f"/media/{filepath_to_uri(image.original.name)}"
        response = client.get(url)
        # then our application streams the bucket's bytes as an image
        assert (response.status_code, response["Content-Type"]) == (200, "image/png")
        assert body(response) == png_bytes()
        # and a name that is not in the bucket is the Chinese 404 page, one leaving it the 400 page
        refused = client.get("/media/images/products/none.png")
        assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()
        assert client.get("/media/../private/x.pdf").status_code == 400
        # a thumbnail (sorl-thumbnail, as Oscar's dashboard makes them) is made from the bucket
        # and stored there too, served the same way
        from django.utils.functional import empty
        from sorl.thumbnail import default as sorl_default
        from sorl.thumbnail import get_thumbnail

        # sorl resolves its storage once per process: an earlier test may have made it local
        sorl_default.storage._wrapped = empty
        thumb = get_thumbnail(image.original, "4x4")
        assert thumb.url.startswith("/media/cache/") and f"media/{thumb.name}" in s3.keys()
        thumbnail = client.get(thumb.url)
        assert (thumbnail.status_code, thumbnail["Content-Type"]) == (200, "image/jpeg")
        assert body(thumbnail)[:3] == b"\xff\xd8\xff"  # sorl writes JPEG
        # Oscar's picture for a product without images is served too (from Oscar's own files)
        placeholder = client.get(f"/media/{settings.OSCAR_MISSING_IMAGE_URL}")
        assert (placeholder.status_code, placeholder["Content-Type"]) == (200, "image/jpeg")
        assert body(placeholder)[:3] == b"\xff\xd8\xff"
    finally:
        image.original.delete(save=False)
        from django.utils.functional import empty
        from sorl.thumbnail import default as sorl_default

        sorl_default.storage._wrapped = empty  # the next test resolves its own storage


@pytest.mark.django_db
def test_health_ready_checks_the_bucket(client, s3):
    # given the S3 backend with its server up
    keys_before = set(s3.keys())
    # when the load balancer asks
    response = client.get("/health/ready")
    # then every part is ok and the probes left nothing behind
    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"}},
    )
    assert set(s3.keys()) == keys_before


@pytest.mark.django_db
def test_when_the_s3_server_stops_health_is_not_ready_and_file_pages_say_so_in_chinese(client, settings):
    # given the S3 backend on a server of its own, answering, and a licence stored there
    server = SeaweedS3(bucket="xianghui-outage").start()
    try:
        use_s3(settings, server)
        assert client.get("/health/ready").json()["checks"]["storage"] == "ok"
        licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")
        assert (
            client.post(reverse("vendors:apply"), {**application_data(), "licence": licence}).status_code
            == 302
        )
        application = VendorApplication.objects.get()
        # when the server stops
        server.stop()
        response = client.get("/health/ready")
        # then the node is not ready, naming storage only
        assert (response.status_code, response.json()) == (
            503,
            {
                "status": "unavailable",
                "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "unavailable"},
            },
        )
        # the licence download is the Chinese 503 page, not a server error
        download = client.get(reverse("vendors:licence", args=[application.pk]))
        assert download.status_code == 503 and "服务暂时不可用" in download.content.decode()
        # and a new application with its licence is refused the same way and saves nothing
        client.logout()
        licence = SimpleUploadedFile("营业执照.pdf", PDF_BYTES, content_type="application/pdf")
        refused = client.post(reverse("vendors:apply"), {**application_data(), "licence": licence})
        assert refused.status_code == 503 and "您这次提交的内容没有保存" in refused.content.decode()
        assert list(VendorApplication.objects.values_list("pk", flat=True)) == [application.pk]
    finally:
        server.cleanup()


@pytest.mark.django_db
def test_public_media_are_streamed_from_local_disk_too(client):
    # given the default (local) storage and an image in MEDIA_ROOT
    assert settings.STORAGE_BACKEND == "local"
    name = default_storage.save("images/products/local-probe.png", ContentFile(png_bytes()))
    try:
        assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == png_bytes()
        # when a browser follows its URL, then the application streams it
        response = client.get(default_storage.url(name))
        assert (response.status_code, response["Content-Type"], body(response)) == (
            200,
            "image/png",
            png_bytes(),
        )
        # and a path out of MEDIA_ROOT is refused (the 400 page), a missing file the 404 page
        assert client.get("/media/../private/x.pdf").status_code == 400
        refused = client.get("/media/images/products/none.png")
        assert refused.status_code == 404 and NOT_FOUND in refused.content.decode()
    finally:
        default_storage.delete(name)
