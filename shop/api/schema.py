"""OpenAPI: the one error shape (``shop.api.exceptions``) as the ``Error`` component, referenced
by every operation's error responses (a drf-spectacular postprocessing hook)."""

from django.utils.translation import gettext as _

ERROR_COMPONENT = {
    "type": "object",
    "description": "所有接口错误的统一格式",
    "properties": {
        "code": {
            "type": "string",
            "enum": [
                "invalid",
                "not_authenticated",
                "forbidden",
                "not_found",
                "method_not_allowed",
                "conflict",
                "throttled",
                "unsupported_media_type",
                "not_acceptable",
                "server_error",
            ],
            "description": "稳定的错误代码，供程序判断",
        },
        "detail": {"type": "string", "description": "中文说明，可直接展示给用户"},
        "fields": {
            "type": "object",
            "additionalProperties": {},
            "description": "按字段的错误说明（字段名 → 说明列表）；无字段错误时为空对象",
        },
    },
    "required": ["code", "detail", "fields"],
}

ERROR_REF = {"$ref": "#/components/schemas/Error"}


def error_responses(method: str) -> dict[str, str]:
    """Status -> description of the errors an operation can answer with."""
    statuses = {
        "400": _("输入不合法或业务规则不允许"),
        "403": _("未登录或无权执行此操作"),
        "404": _("对象不存在或不属于当前用户"),
        "429": _("请求过于频繁"),
    }
    if method.lower() in ("post", "put", "patch", "delete"):
        statuses["409"] = _("当前状态不允许此操作")
    return statuses


def add_error_responses(result, generator, request, public):
    """Postprocessing hook: the ``Error`` component, and every operation's 4xx answers use it."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_COMPONENT
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in error_responses(method).items():
                response = responses.setdefault(status, {"description": description})
                if not response.get("description"):
                    response["description"] = description
                response["content"] = {"application/json": {"schema": ERROR_REF}}
    return result
