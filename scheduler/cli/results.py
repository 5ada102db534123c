"""`flask result ...`: enter, review, disclose, import and export results, deadlines."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import click

from scheduler.cli.base import CLI_ACTOR, domain_command, fail
from scheduler.db import db
from scheduler.errors import Msg
from scheduler.models import Body
from scheduler.plans.core import get_plan
from scheduler.results import exporter, importer, lifecycle, queries
from scheduler.results.core import ResultInput, today_cst


def _date(value: str | None) -> dt.date:
    if not value:
        return today_cst()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(Msg(f"日期格式应为 YYYY-MM-DD：{value}", f"a date is written YYYY-MM-DD: {value!r}"))


@click.group("result")
def result_cli():
    """Inspection results: enter, review, disclose, import, export, overdue, show."""


@result_cli.command("enter")
@click.argument("code")
@click.argument("uscc")
@click.option("--by", "by", required=True, help="执法证号 of the team member who enters")
@click.option(
    "--category", "cats", multiple=True, required=True, help="result category code (repeatable)"
)
@click.option("--date", "day", required=True, help="date carried out, YYYY-MM-DD")
@click.option("--findings", default="", help="检查情况 (confidential)")
@click.option("--summary", default="", help="公示说明: the public remark")
@click.option("--follow-up", "follow_up", default="", help="后续处理 measures")
@click.option("--follow-up-due", "follow_up_due", default="", help="后续处理期限 YYYY-MM-DD")
@click.option("--draft", is_flag=True, help="save as a draft, do not submit")
@click.option("--follow-up-entry", "follow_up_entry", is_flag=True, help="续录 after disclosure")
@domain_command
def enter_cmd(
    code, uscc, by, cats, day, findings, summary, follow_up, follow_up_due, draft, follow_up_entry
):
    """Enter (and submit) the result of CODE's inspection of USCC."""
    data = ResultInput.from_strings(list(cats), day, findings, summary, follow_up, follow_up_due)
    fn = lifecycle.save_draft if draft else lifecycle.enter
    result = fn(db.session, code, uscc, data, CLI_ACTOR, by=by, follow_up=follow_up_entry)
    db.session.commit()
    click.echo(f"{code}/{uscc} ({result.body.code}): version {result.current_no}, {result.state}")


@result_cli.command("review")
@click.argument("code")
@click.argument("uscc")
@click.argument("decision", type=click.Choice(["approve", "return"]))
@click.option("--reason", default="", help="退回理由 (required to return)")
@click.option("--body", default=None, help="body code (joint inspections)")
@domain_command
def review_cmd(code, uscc, decision, reason, body):
    """Approve a submitted result, or return it to the team with --reason."""
    result = lifecycle.review(db.session, code, uscc, decision, CLI_ACTOR, reason, body=body)
    db.session.commit()
    click.echo(f"{code}/{uscc} ({result.body.code}): {result.state}")


@result_cli.command("disclose")
@click.argument("code")
@click.argument("uscc", required=False)
@click.option("--all-approved", "all_approved", is_flag=True, help="every approved result")
@click.option("--body", default=None, help="only this body's results")
@domain_command
def disclose_cmd(code, uscc, all_approved, body):
    """Disclose (公示) one approved result, or all approved ones."""
    results = lifecycle.disclose(
        db.session, code, CLI_ACTOR, uscc=uscc, all_approved=all_approved, body=body
    )
    db.session.commit()
    plan = get_plan(db.session, code)
    click.echo(f"{code}: {len(results)} results disclosed; plan {plan.state}")


@result_cli.command("cancel")
@click.argument("code")
@click.argument("uscc")
@click.option("--reason", required=True, help="取消理由, e.g. the entity was deregistered")
@domain_command
def cancel_cmd(code, uscc, reason):
    """Cancel an inspection with a reason (it needs no result)."""
    lifecycle.cancel_inspection(db.session, code, uscc, reason, CLI_ACTOR)
    db.session.commit()
    plan = get_plan(db.session, code)
    click.echo(f"{code}/{uscc} cancelled; plan {plan.state}")


@result_cli.command("import")
@click.argument("code")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--approve", is_flag=True, help="approve the imported results at once")
@domain_command
def import_cmd(code, file, approve):
    """Import results from FILE (.xlsx or .csv); a file with any bad row writes nothing."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(Msg(f"无法读取 {file}：{exc}", f"cannot read {file}: {exc}"))
    report = importer.import_results(db.session, code, file.name, data, CLI_ACTOR, approve=approve)
    db.session.commit()
    click.echo(report.summary())


@result_cli.command("export")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@domain_command
def export_cmd(code, out):
    """Export the plan's results to --out FILE (.csv or .xlsx); staff only."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        fail(
            Msg("请使用 .csv 或 .xlsx", f"unsupported export format {out.suffix!r}: .csv or .xlsx")
        )
    directory = out.resolve().parent
    if not directory.is_dir():
        fail(Msg(f"目录不存在：{directory}", f"no such directory: {directory}"))
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            count = exporter.write(db.session, code, CLI_ACTOR, f, fmt)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    click.echo(f"已导出 {count} 行到 {out} / exported {count} rows to {out}")


@result_cli.command("overdue")
@click.option("--body", default=None, help="body code, e.g. SC")
@click.option("--today", default=None, help="YYYY-MM-DD (default: today in China)")
@domain_command
def overdue_cmd(body, today):
    """Results past their disclosure deadline, and those due within 5 working days."""
    if body and db.session.query(Body).filter_by(code=body).first() is None:
        fail(Msg(f"未知执法主体 {body}", f"unknown body {body!r}"))
    lists = queries.deadline_lists(db.session, _date(today), body)
    for name, title in (("overdue", "逾期 / overdue"), ("due_soon", "5 个工作日内到期 / due soon")):
        rows = lists[name]
        click.echo(f"{title}: {len(rows)}")
        for r in rows:
            click.echo(
                f"  {r['due']}  {r['plan']}/{r['uscc']} {r['body']}  {r['entity']}  [{r['state']}]"
            )


@result_cli.command("show")
@click.argument("code")
@click.argument("uscc", required=False)
@domain_command
def show_cmd(code, uscc):
    """A plan's result progress, or one inspection's results and versions."""
    if uscc is None:
        plan = get_plan(db.session, code)
        p = queries.plan_progress(db.session, plan)
        click.echo(f"{code} [{p['state']}]: {p['parts']} results to record")
        for state, n in p["by_state"].items():
            click.echo(f"  {state:<12} {n}")
        click.echo(f"  {'cancelled':<12} {p['cancelled']}")
        return
    plan, insp = lifecycle.load(db.session, code, uscc, CLI_ACTOR)
    click.echo(f"{code}/{uscc}  {insp.entity.name}")
    if insp.cancelled_at:
        click.echo(f"  cancelled: {insp.cancel_reason}")
    for body_id in lifecycle.team_bodies(db.session, insp):
        result = lifecycle.get_result(db.session, insp.id, body_id)
        body = db.session.get(Body, body_id)
        if result is None:
            click.echo(f"  {body.code}: not_entered")
            continue
        click.echo(f"  {body.code}: {result.state} (version {result.current_no})")
        for v in result.versions:
            cats = ";".join(c.code for c in v.categories)
            disclosed = f" disclosed {v.disclosed_at}" if v.disclosed_at else ""
            click.echo(f"    v{v.number} {v.kind} {v.inspected_on} [{cats}]{disclosed}")
