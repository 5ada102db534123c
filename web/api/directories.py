"""The directories (名录库) and user accounts over the API: import and export of the four
directory files (entities, officers, conflicts, leave), and accounts for administrators.

Imports are all-or-nothing: a file with any bad cell writes nothing and the 422 lists every
problem with its row and column. Exports are confidential (phones, conflict notes):
administrators and auditors only, as `scheduler.exporters` decides.
"""

from __future__ import annotations

import io

from flask import current_app, request

from scheduler import users
from scheduler.db import db
from scheduler.directory_rows import SCHEMAS
from scheduler.errors import Invalid, Msg, NotFound
from scheduler.exporters import export_directory
from scheduler.importers import import_directory
from scheduler.listings import user_list
from scheduler.models import Role
from web.api import schemas as s
from web.api.core import operation, page

TAG = "directories"
ADMIN = (Role.ADMIN.value,)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def _kind(kind: str) -> str:
    if kind not in SCHEMAS:
        names = ", ".join(SCHEMAS)
        raise NotFound(
            Msg(f"没有名录 {kind}（可选：{names}）", f"no directory {kind!r}; one of {names}"),
            code="directory_not_found",
        )
    return kind


@operation(
    "/directories/<kind>",
    "POST",
    summary="导入名录文件 / Import a directory file",
    tag=TAG,
    roles=ADMIN,
    upload=True,
    response=s.ImportResult,
    errors=(403, 404),
)
def import_file(actor, kind):
    """`kind` is entities, officers, conflicts or leave; the multipart field `file` a .csv
    (UTF-8 or GBK) or .xlsx. Upserts by natural key and reports the counts."""
    kind = _kind(kind)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid(Msg("请选择要导入的文件", "choose a file to import"), field="file")
    report = import_directory(db.session, kind, upload.filename, upload.read(), actor)
    if not report.ok:
        raise report.as_error()
    db.session.commit()
    return {
        "directory": kind,
        "filename": upload.filename,
        "sha256": report.sha256,
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "ignored_columns": report.ignored_columns,
    }


@operation(
    "/directories/<kind>",
    summary="导出名录文件 / Export a directory file",
    tag=TAG,
    roles=(Role.ADMIN.value, Role.AUDITOR.value),
    query=s.ExportQuery,
    errors=(403, 404),
    media={
        "text/csv": {"type": "string"},
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
        },
    },
)
def export_file(actor, kind, query):
    """The directory as the import reads it (`format` csv or xlsx; `bom` for Excel):
    re-importing it reports every row unchanged. Confidential."""
    kind = _kind(kind)
    out = io.BytesIO()
    export_directory(db.session, kind, out, query["format"], actor, bom=query["bom"])
    response = current_app.response_class(out.getvalue(), mimetype=MEDIA[query["format"]])
    response.headers["Content-Disposition"] = f'attachment; filename="{kind}.{query["format"]}"'
    return response


@operation(
    "/users",
    summary="用户列表 / User accounts",
    tag="admin",
    roles=ADMIN,
    query=s.PageQuery,
    response=s.UserPage,
)
def list_users(actor, query):
    """Every account by user name (never a password hash)."""
    rows = user_list(db.session, actor, after=query["cursor"], limit=query["limit"])
    return page(rows, query["limit"], lambda u: u.username)


@operation(
    "/users",
    "POST",
    summary="创建用户 / Create a user account",
    tag="admin",
    roles=ADMIN,
    body=s.UserCreate,
    response=s.User,
    status=201,
    errors=(403,),
)
def create_user(actor, body):
    """A planner needs `body`, an officer `cert_no`; the password has at least 8 characters."""
    user = users.create_user(
        db.session,
        body["username"],
        body["password"],
        body["role"],
        body["body"],
        body["cert_no"],
        actor=actor,
    )
    db.session.commit()
    return user
