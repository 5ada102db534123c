"""The OpenAPI 3.1 document of the API (接口说明), generated with apispec from the
operations `web.api.core.operation` registered and their marshmallow schemas, and the
browsable page that renders it (local assets only)."""

from __future__ import annotations

import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify, render_template

from web.access import public
from web.api import schemas as s
from web.api.core import OPERATIONS, Operation, bp

TITLE = "Fairdraw API"
VERSION = "1.0.0"
PREFIX = "/api/v1"
ERROR_TEXT = {
    400: "请求格式错误（JSON、CSRF）/ Malformed request (JSON, CSRF token)",
    401: "未登录或令牌无效 / No credentials, or an invalid, expired or revoked token",
    403: "角色或范围不允许 / The role or scope does not allow it",
    404: "不存在或无权知晓 / Not found, or not yours to know about",
    409: "状态不允许 / The thing is in the wrong state",
    413: "请求过大 / The request is too large",
    422: "输入无效 / Invalid input (one entry per field)",
}
COMMON = (400, 401, 422)
DESCRIPTION = """\
Fairdraw's JSON API (双随机、一公开 抽查系统接口). Public reads need no credentials; other
operations take `Authorization: Bearer <token>` (an API token an administrator creates
with `flask token create` or `POST /api/v1/tokens`) or the browser's login session, with
the CSRF token from `GET /api/v1/me` in an `X-CSRFToken` header on unsafe methods.

Every error is `{"errors": [{"code", "message", "field"}]}`, the message in the language
of `Accept-Language` (zh or en). Large lists are pages: pass `next_cursor` back as
`cursor`. Public reads send an ETag and answer `304` to `If-None-Match`.
"""


def _path_parameters(rule: str) -> list[dict]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = (
            {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}  # PostgreSQL integer ids
            if converter == "int"
            else {"type": "string"}
        )
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return params


def _error(status: int) -> dict:
    return {
        "description": ERROR_TEXT.get(status, "error"),
        "content": {"application/json": {"schema": "ErrorEnvelope"}},
    }


def _operation(op: Operation, flask_rule: str) -> dict:
    out: dict = {
        "operationId": op.endpoint,
        "summary": op.summary,
        "description": op.description,
        "tags": [op.tag],
        "parameters": _path_parameters(flask_rule),
        "security": [] if op.roles is None else [{"bearerAuth": []}, {"sessionCookie": []}],
    }
    if op.roles is not None:
        out["x-roles"] = list(op.roles)
    if op.query is not None:
        out["parameters"].append({"in": "query", "schema": op.query})
    body = op.body or op.request_schema
    if body is not None:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": body}},
        }
    if op.upload:
        out["requestBody"] = {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {
                                "type": "string",
                                "contentMediaType": "application/octet-stream",
                                "description": ".csv (UTF-8 or GBK) or .xlsx",
                            }
                        },
                        "required": ["file"],
                    }
                }
            },
        }
    ok: dict = {"description": op.summary}
    if op.media:
        ok["content"] = {mt: {"schema": sch} for mt, sch in op.media.items()}
    elif op.response is not None:
        ok["content"] = {"application/json": {"schema": op.response}}
    responses: dict = {str(op.status): ok}
    if op.conditional:
        responses["304"] = {"description": "未变化 / Not modified (If-None-Match)"}
    statuses = set(COMMON) | set(op.errors)
    if op.roles is not None:
        statuses.add(403)
    if body is not None or op.upload:
        statuses.add(413)
    if out["parameters"] and any(p.get("in") == "path" for p in out["parameters"]):
        statuses.add(404)
    for status in sorted(statuses):
        responses[str(status)] = _error(status)
    responses["default"] = {
        "description": "其他错误 / Any other error",
        "content": {"application/json": {"schema": "ErrorEnvelope"}},
    }
    out["responses"] = responses
    return out


def build_spec() -> dict:
    spec = APISpec(
        title=TITLE,
        version=VERSION,
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={"description": DESCRIPTION},
    )
    spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "an API token (fd_...)"},
    )
    spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    spec.components.schema("ErrorEnvelope", schema=s.ErrorEnvelope)
    by_path: dict[str, dict] = {}
    for op in OPERATIONS:
        by_path.setdefault(op.rule, {})[op.method] = _operation(op, op.flask_rule)
    for path, operations in by_path.items():
        spec.path(path=PREFIX + path, operations=operations)
    tags = sorted({op.tag for op in OPERATIONS})
    for tag in tags:
        spec.tag({"name": tag})
    return spec.to_dict()


@functools.cache
def document() -> dict:
    return build_spec()


@bp.route("/openapi.json")
@public
def openapi_json():
    return jsonify(document())


@bp.route("/docs")
@public
def docs():
    """A browsable page of the document, rendered by a local script (no CDN)."""
    return render_template("api/docs.html")
