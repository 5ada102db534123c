"""`flask import KIND FILE` and `flask export KIND --out FILE`: the four directories.

The work is done by `scheduler.importers.import_directory` and
`scheduler.exporters.export_directory`, which the staff console calls too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from scheduler.actors import Actor
from scheduler.cli.base import CLI_ACTOR, domain_command, fail, progress_bar
from scheduler.db import db
from scheduler.directory_rows import SCHEMAS
from scheduler.errors import Msg
from scheduler.exporters import FORMATS, export_directory
from scheduler.importers import import_directory
from scheduler.plans import live

DIRECTORIES = tuple(SCHEMAS)  # entities, officers, conflicts, leave


@click.group("import")
def import_cli():
    """Import a directory file (CSV in UTF-8 or GBK, or XLSX); all-or-nothing."""


@click.group("export")
def export_cli():
    """Export a directory to CSV or XLSX."""


def _import_command(kind: str):
    @import_cli.command(
        kind,
        help=f"Import {kind} from FILE (.csv or .xlsx); a file with any bad row writes nothing.",
    )
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--actor", default="cli", show_default=True, help="name in the audit log")
    @click.option(
        "--report",
        "report_path",
        type=click.Path(dir_okay=False, path_type=Path),
        help="write a CSV report: the per-row changes, or the problems of a refused file",
    )
    @click.option(
        "--replace",
        is_flag=True,
        help="replace the members of current teams this import makes ineligible",
    )
    @domain_command
    def command(file: Path, actor: str, report_path: Path | None, replace: bool):
        try:
            data = file.read_bytes()
        except OSError as exc:
            fail(Msg(f"无法读取 {file}：{exc}", f"cannot read {file}: {exc}"))
        report = import_directory(
            db.session,
            kind,
            file.name,
            data,
            Actor.system(actor),
            progress_bar(),
            diff=report_path is not None,
        )
        if report_path is not None:
            _write_report(report, report_path)
        if not report.ok:
            raise report.as_error()
        replaced = []
        if replace and report.team_flags:
            replaced = live.replace_flagged(db.session, report.team_flags, Actor.system(actor))
        db.session.commit()
        click.echo(report.summary())
        if report_path is not None:
            click.echo(f"报告已写入 {report_path} / report written to {report_path}")
        _echo_team_flags(report.team_flags, replaced, replace)

    return command


def _echo_team_flags(flags, replaced, replace: bool) -> None:
    """What the import did to current teams: never silently."""
    if not flags:
        return
    click.echo(
        f"{len(flags)} 名在办检查组成员因本次导入不再符合条件 / {len(flags)} members of "
        "current teams are no longer eligible after this import:",
        err=True,
    )
    new_of = {id(f): new for f, new in replaced}
    for f in flags:
        line = f"  {f.plan}/{f.uscc} {f.text()}"
        if replace:
            new = new_of.get(id(f))
            line += (
                f" -> {new.officer.cert_no}"
                if new is not None
                else " -> 无可替换人员，已标记缺员 / no replacement: flagged short"
            )
        click.echo(line, err=True)
    if not replace:
        click.echo(
            "已标记；用 --replace 重新导入或 `flask plan recuse` 替换 / flagged; replace them "
            "with --replace or `flask plan recuse`",
            err=True,
        )


def _write_report(report, path: Path) -> None:
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            report.write_csv(out)
    except OSError as exc:
        fail(Msg(f"无法写入报告 {path}：{exc}", f"cannot write the report {path}: {exc}"))


def _export_command(kind: str):
    @export_cli.command(kind, help=f"Export {kind} to --out FILE (.csv or .xlsx).")
    @click.option(
        "--out",
        "out",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="output file; .csv (UTF-8) or .xlsx",
    )
    @click.option("--bom", is_flag=True, help="start a CSV with a UTF-8 BOM (for Excel)")
    @domain_command
    def command(out: Path, bom: bool):
        fmt = out.suffix.lower().lstrip(".")
        if fmt not in FORMATS:
            fail(
                Msg(
                    f"不支持的导出格式“{out.suffix}”：请使用 .csv 或 .xlsx",
                    f"unsupported export format {out.suffix!r}: use .csv or .xlsx",
                )
            )
        directory = out.resolve().parent
        if not directory.is_dir():
            fail(Msg(f"目录不存在：{directory}", f"no such directory: {directory}"))
        # Write next to the target and rename, so that a failure leaves no partial file.
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                count = export_directory(db.session, kind, f, fmt, CLI_ACTOR, bom=bom)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        click.echo(f"已导出 {count} 行到 {out} / exported {count} rows to {out}")

    return command


for _kind in DIRECTORIES:
    _import_command(_kind)
    _export_command(_kind)
