"""Upload checks of the vendors app on top of shop.core.uploads (CSV has no magic bytes)."""

import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shop.core.uploads import check_upload, clean_display_name, sniff


def check_import_file(upload) -> str:
    """'csv' or 'xlsx' if ``upload`` is one, judged by its bytes; ValidationError otherwise."""
    name = clean_display_name(upload.name or "")
    ext = os.path.splitext(name)[1].lower()
    if ext != ".csv":
        return check_upload(upload, allowed={"xlsx"}, max_bytes=settings.VENDOR_IMPORT_MAX_BYTES).kind
    if "\x00" in (upload.name or "") or ".." in (upload.name or "").replace("\\", "/").split("/"):
        raise ValidationError(_("文件名不合法。"), code="bad_name")
    if not upload.size:
        raise ValidationError(_("上传的文件是空的。"), code="empty")
    if upload.size > settings.VENDOR_IMPORT_MAX_BYTES:
        raise ValidationError(
            _("文件过大：%(size).1f MB，最大允许 %(max).0f MB。"),
            code="too_large",
            params={"size": upload.size / 1048576, "max": settings.VENDOR_IMPORT_MAX_BYTES / 1048576},
        )
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if sniff(data[:2048], upload) is not None or b"\x00" in data:
        raise ValidationError(_("文件扩展名“.csv”与文件内容不符。"), code="ext_mismatch")
    upload.seek(0)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
            return "csv"
        except UnicodeDecodeError:
            continue
    raise ValidationError(_("无法识别 CSV 文件的编码，请另存为 UTF-8 编码后重新上传。"), code="encoding")
