"""Streaming a private attachment to a reader the view has already checked."""

from django.http import FileResponse, Http404

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment_response(att) -> FileResponse:
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise Http404("附件不存在。")
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=att.display_name,
        content_type=CONTENT_TYPES.get(att.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
