"""Upload checks shared by every form that takes a file.

A file is accepted by what its bytes are, not by what its name says: the extension must match
the sniffed content, the size must be under the limit, and the stored name is generated (the
user's name is kept only as a sanitised label)."""

import logging
import os
import unicodedata
import uuid
import weakref
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import transaction
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# kind -> (extensions, human label)
KINDS = {
    "pdf": ({".pdf"}, "PDF"),
    "png": ({".png"}, "PNG"),
    "jpeg": ({".jpg", ".jpeg"}, "JPEG"),
    "gif": ({".gif"}, "GIF"),
    "webp": ({".webp"}, "WEBP"),
    "docx": ({".docx"}, "Word (DOCX)"),
    "xlsx": ({".xlsx"}, "Excel (XLSX)"),
    "svg": ({".svg"}, "SVG"),
    "csv": ({".csv"}, "CSV"),
}
IMAGE_KINDS = {"png", "jpeg", "gif", "webp"}
DOCUMENT_KINDS = {"pdf", "docx", "xlsx"} | IMAGE_KINDS


def sniff(head: bytes, fileobj=None) -> str | None:
    """The kind of a file from its first bytes (and, for OOXML, its zip directory)."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"PK\x03\x04") and fileobj is not None:
        try:
            fileobj.seek(0)
            names = set(zipfile.ZipFile(fileobj).namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
        return None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml") or text.startswith(b"<svg"):
        if b"<svg" in head:
            return "svg"
    return None


def clean_display_name(name: str) -> str:
    """A safe label for the user's file name: no path, no control or format characters."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip(" .")
    return name[:120] or "file"


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    display_name: str
    size: int


def check_upload(upload, *, allowed: set[str], max_bytes: int | None = None) -> CheckedUpload:
    """Raise ValidationError (Chinese) unless ``upload`` is one of ``allowed`` kinds, by content."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    if upload is None:
        raise ValidationError(_("请选择要上传的文件。"), code="missing")
    raw_name = upload.name or ""
    if "\x00" in raw_name or ".." in raw_name.replace("\\", "/").split("/"):
        raise ValidationError(_("文件名不合法。"), code="bad_name")
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("上传的文件是空的。"), code="empty")
    if size > max_bytes:
        raise ValidationError(
            _("文件过大：%(size).1f MB，最大允许 %(max).0f MB。"),
            code="too_large",
            params={"size": size / 1048576, "max": max_bytes / 1048576},
        )
    display = clean_display_name(raw_name)
    ext = os.path.splitext(display)[1].lower()
    labels = "、".join(KINDS[k][1] for k in sorted(allowed))
    upload.seek(0)
    head = upload.read(2048)
    kind = sniff(head, upload)
    upload.seek(0)
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("不支持的文件类型，仅接受：%(labels)s。"), code="bad_type", params={"labels": labels}
        )
    if ext not in KINDS[kind][0]:
        raise ValidationError(
            _("文件扩展名“%(ext)s”与文件内容（%(kind)s）不符。"),
            code="ext_mismatch",
            params={"ext": ext or "无", "kind": KINDS[kind][1]},
        )
    if kind == "pdf" and (b"<html" in head.lower() or b"<script" in head.lower()):
        raise ValidationError(_("文件内容可疑（疑似多格式伪装文件），已拒绝。"), code="polyglot")
    if kind in IMAGE_KINDS:
        _check_image(upload)
    if kind == "svg":
        upload.seek(0)
        check_svg(upload.read())
        upload.seek(0)
    return CheckedUpload(kind=kind, display_name=display, size=size)


def _check_image(upload) -> None:
    from PIL import Image

    try:
        upload.seek(0)
        with Image.open(upload) as img:
            img.verify()
    except Exception:
        raise ValidationError(_("图片文件已损坏或不是有效的图片。"), code="bad_image")
    finally:
        upload.seek(0)


_SVG_FORBIDDEN_TAGS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "use"}


def check_svg(data: bytes) -> None:
    """Reject an SVG that could run code: scripts, event handlers, external references."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(data)
    except Exception:
        raise ValidationError(_("SVG 文件无法解析或含有不安全的实体声明。"), code="bad_svg")
    if not root.tag.lower().endswith("svg"):
        raise ValidationError(_("SVG 文件无法解析。"), code="bad_svg")
    for el in root.iter():
        tag = el.tag.split("}")[-1].lower() if isinstance(el.tag, str) else ""
        if tag in _SVG_FORBIDDEN_TAGS:
            raise ValidationError(
                _("SVG 中含有脚本或外部内容（%(tag)s），已拒绝。"), code="svg_script", params={"tag": tag}
            )
        for key, value in el.attrib.items():
            k = key.split("}")[-1].lower()
            v = (value or "").strip().lower()
            if k.startswith("on") or (k == "href" and not v.startswith("#")) or "javascript:" in v:
                raise ValidationError(_("SVG 中含有脚本或外部链接，已拒绝。"), code="svg_script")


class _KeepOnCommit:
    """The on-commit hook of one saved file: run on commit, it marks the file kept. Django drops
    the hooks of a transaction (or savepoint) that rolls back; the hook is then garbage
    collected (at once: CPython reference counting, no cycles) and its finaliser deletes the
    file that the rolled-back rows would have pointed to."""

    def __init__(self, state: dict, name: str):
        self.state = state
        self.__qualname__ = f"delete_on_rollback[{name}]"

    def __call__(self):
        self.state["committed"] = True


def _delete_unless_committed(storage, name: str, state: dict) -> None:
    if not state["committed"]:
        try:
            storage.delete(name)
        except Exception:  # a leftover file is harmless; never fail the caller's rollback
            logging.getLogger("shop.core.uploads").warning("could not delete %s", name, exc_info=True)


def delete_on_rollback(storage, name: str, *, using: str | None = None) -> None:
    """Delete ``name`` from ``storage`` if the current transaction (or savepoint) rolls back.
    Django has no on_rollback hook; this relies on it discarding the on-commit hooks of a
    rolled-back block. Outside a transaction the file is simply kept."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    state = {"committed": False}
    hook = _KeepOnCommit(state, name)
    finaliser = weakref.finalize(hook, _delete_unless_committed, storage, name, state)
    finaliser.atexit = False  # a process exiting mid-transaction: leave the file
    transaction.on_commit(hook, using=using)


@deconstructible
class LocalPrivateStorage(FileSystemStorage):
    """Private files on local disk: under ``PRIVATE_MEDIA_ROOT`` (outside MEDIA_ROOT), no URL."""

    @property
    def base_location(self):
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no public URL; serve them through a view")


def private_backend() -> Storage:
    """The configured private storage: ``STORAGES["private"]`` (object storage with
    ``STORAGE_BACKEND=s3``, see shop.core.s3), else local disk under ``PRIVATE_MEDIA_ROOT``."""
    if "private" in settings.STORAGES:
        return storages["private"]
    return LocalPrivateStorage()


@deconstructible
class PrivateStorage(Storage):
    """Files only their owners and operators may read: never a public URL; views that check
    the reader stream them. Each call goes to the configured backend (``private_backend``:
    local disk or a private bucket), so a model field keeps one storage whatever the
    deployment.

    A file saved inside a transaction is deleted if that transaction rolls back
    (``delete_on_rollback``): attachments, PDFs, remittance slips, logos, licences and import
    files never outlive the rows that would have pointed to them."""

    @property
    def backend(self) -> Storage:
        return private_backend()

    def save(self, name, content, max_length=None):
        backend = self.backend  # a rollback deletes from the storage the file went to
        name = backend.save(name, content, max_length=max_length)
        delete_on_rollback(backend, name)
        return name

    def open(self, name, mode="rb"):
        return self.backend.open(name, mode)

    def delete(self, name):
        return self.backend.delete(name)

    def exists(self, name):
        return self.backend.exists(name)

    def size(self, name):
        return self.backend.size(name)

    def url(self, name):
        return self.backend.url(name)

    def path(self, name):
        return self.backend.path(name)

    def listdir(self, path):
        return self.backend.listdir(path)

    def get_valid_name(self, name):
        return self.backend.get_valid_name(name)

    def get_alternative_name(self, file_root, file_ext):
        return self.backend.get_alternative_name(file_root, file_ext)

    def get_available_name(self, name, max_length=None):
        return self.backend.get_available_name(name, max_length=max_length)

    def generate_filename(self, filename):
        return self.backend.generate_filename(filename)

    def get_accessed_time(self, name):
        return self.backend.get_accessed_time(name)

    def get_created_time(self, name):
        return self.backend.get_created_time(name)

    def get_modified_time(self, name):
        return self.backend.get_modified_time(name)


private_storage = PrivateStorage()


@deconstructible
class PrivateUploadTo:
    """upload_to: ``<prefix>/<yyyy>/<mm>/<uuid><ext>`` — the user's file name never reaches disk."""

    def __init__(self, prefix: str):
        self.prefix = prefix

    def __call__(self, instance, filename):
        from django.utils import timezone

        ext = os.path.splitext(clean_display_name(filename))[1].lower()[:8]
        return f"{self.prefix}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"

    def __eq__(self, other):
        return isinstance(other, PrivateUploadTo) and other.prefix == self.prefix


def bytes_upload(data: bytes, name: str):
    """An in-memory upload for services and tests."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


__all__ = [
    "CheckedUpload",
    "DOCUMENT_KINDS",
    "IMAGE_KINDS",
    "bytes_upload",
    "check_svg",
    "check_upload",
    "clean_display_name",
    "delete_on_rollback",
    "LocalPrivateStorage",
    "private_backend",
    "private_storage",
    "PrivateUploadTo",
    "sniff",
]
