"""Public media (product images and their thumbnails) streamed from the default storage.

With ``STORAGE_BACKEND=s3`` the bucket is private: pages link to ``MEDIA_URL`` on our own
origin (the CSP allows images from ``'self'`` only) and this view reads the object with the
application's keys. On local disk it serves ``MEDIA_ROOT`` the same way (``make run``; a web
server in front may serve ``/media/`` itself). Private files are never here: they live in the
private storage, read only by the views that check the reader."""

from __future__ import annotations

import mimetypes

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

# what a browser may render from here; anything else is a download
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _clean(path: str) -> str:
    """``path`` unless it tries to leave the storage (SuspiciousFileOperation: the 400 page)."""
    if "\\" in path or "\x00" in path or any(p in (".", "..") for p in path.split("/")):
        raise SuspiciousFileOperation("media path leaves the storage")
    return path


@require_safe
def public_media(request, path: str):
    name = _clean(path)
    if not name or name.endswith("/"):
        raise Http404(_("文件不存在。"))
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        raise Http404(_("文件不存在。"))
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=name.rsplit("/", 1)[-1],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=86400"
    return response
