"""Files on S3-compatible object storage (django-storages), chosen by ``STORAGE_BACKEND=s3``.

One private bucket holds two prefixes: ``media/`` (public media: product images and their
thumbnails) and ``private/`` (licences, remittance slips, logos, quote attachments and PDFs,
import files). Nothing in the bucket is readable without the keys:

- public media are streamed by the application under ``MEDIA_URL`` (``shop.core.media``),
  so pages link only to our own origin (the CSP allows images from ``'self'`` only) and a
  cached page never holds a link that expires;
- private files are streamed by the views that check who may read them; ``url()`` is a signed
  link valid for ``S3_URL_EXPIRE_SECONDS`` (a few minutes), never a public object address.

Names are never overwritten (a second file with the same name gets another one), uploads are
sent without an ACL (the bucket's own, private, applies), and requests give up after a few
seconds so a storage outage is an error, not a hung worker."""

from __future__ import annotations

from botocore.config import Config
from django.conf import settings
from django.core.files import File
from django.utils.deconstruct import deconstructible
from storages.backends.s3 import S3Storage


def client_config() -> Config:
    """Path-style addressing (works with any S3-compatible server), SigV4, short timeouts."""
    return Config(
        s3={"addressing_style": settings.S3_ADDRESSING_STYLE},
        signature_version="s3v4",
        connect_timeout=3,
        read_timeout=20,
        retries={"max_attempts": 3, "mode": "standard"},
    )


class _BucketStorage(S3Storage):
    def get_default_settings(self):
        defaults = super().get_default_settings()
        defaults.update(
            endpoint_url=settings.S3_ENDPOINT_URL or None,
            bucket_name=settings.S3_BUCKET,
            access_key=settings.S3_ACCESS_KEY or None,
            secret_key=settings.S3_SECRET_KEY or None,
            region_name=settings.S3_REGION or None,
            file_overwrite=False,
            default_acl=None,
            querystring_auth=True,
            querystring_expire=settings.S3_URL_EXPIRE_SECONDS,
            custom_domain=None,
            client_config=client_config(),
        )
        return defaults


def _bundled(name: str) -> str | None:
    """Oscar's "missing image" picture (a product without images), from its static files: on
    local disk Oscar links it into MEDIA_ROOT; the bucket answers with the bundled file."""
    if name != settings.OSCAR_MISSING_IMAGE_URL:
        return None
    from django.contrib.staticfiles import finders

    return finders.find(f"oscar/img/{name}")


@deconstructible
class PublicMediaS3Storage(_BucketStorage):
    """Public media under ``media/``: their URL is our own ``MEDIA_URL`` (streamed by the app)."""

    location = "media"

    def _open(self, name, mode="rb"):
        try:
            return super()._open(name, mode)
        except FileNotFoundError:
            bundled = _bundled(name)
            if bundled is None or "w" in mode:
                raise
            return File(open(bundled, "rb"), name=name)

    def exists(self, name):
        return super().exists(name) or _bundled(name) is not None

    def url(self, name, parameters=None, expire=None, http_method=None):
        from django.utils.encoding import filepath_to_uri

        return f"{settings.MEDIA_URL}{filepath_to_uri(name).lstrip('/')}"


@deconstructible
class PrivateS3Storage(_BucketStorage):
    """Private files under ``private/``: read through the views that check the reader; ``url()``
    is a short-lived signed link (``S3_URL_EXPIRE_SECONDS``)."""

    location = "private"


def is_unavailable(exc: BaseException | None) -> bool:
    """True when ``exc`` (or what caused it) says the S3 server cannot be reached or failed
    (connection refused, a timeout, a 5xx answer); a missing object or a refused key is not."""
    from botocore.exceptions import ClientError, HTTPClientError
    from botocore.exceptions import ConnectionError as BotoConnectionError

    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, (BotoConnectionError, HTTPClientError)):
            return True
        if isinstance(exc, ClientError):
            return exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False
