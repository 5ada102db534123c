"""`flask plan check|set|rematch|assign|reschedule|cancel`: the commands that get a planner
out of a dead end. They are added to the `plan` group of `scheduler.cli.plans`."""

from __future__ import annotations

import json

import click

from scheduler.cli.base import CLI_ACTOR, domain_command
from scheduler.cli.plans import plan_cli
from scheduler.db import db
from scheduler.plans import cancel, capacity, diagnosis, rematch, reschedule, settings


def _show(value) -> str:
    if value is None:
        return "无 / none"
    if isinstance(value, bool):
        return "是 / true" if value else "否 / false"
    return str(value)


@plan_cli.command("check")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@domain_command
def check_cmd(code, as_json):
    """Capacity check: demand per body against its officers (any state, a draft too)."""
    checked = capacity.check(db.session, code, CLI_ACTOR)
    if as_json:
        click.echo(json.dumps(checked.as_dict(), ensure_ascii=False, indent=2))
        return
    kind = ("实际", "exact") if checked.exact else ("预计", "expected")
    click.echo(
        f"计划 {code} 匹配能力预检（{kind[0]}需求；{checked.working_days} 个工作日）"
        f" / capacity check of {code} ({kind[1]} demand; {checked.working_days} working days)"
    )
    for line in checked.lines():
        click.echo(f"  {line.zh}")
        click.echo(f"  {line.en}")
    if checked.feasible:
        click.echo("结论：可以匹配 / verdict: the officers can staff every team")
    else:
        click.echo(
            "结论：无法完成匹配 / verdict: no full match is possible "
            f"(see `flask plan set {code} ...`)",
            err=True,
        )
        raise SystemExit(1)


@plan_cli.command("set")
@click.argument("code")
@click.argument("pairs", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--reason", required=True, help="why the settings change (audited)")
@domain_command
def set_cmd(code, pairs, reason):
    """Change match settings: cap_per_officer, cap_per_day, team_size.BODY, mode,
    cross_jurisdiction (draft to matched; a matched plan drops its match)."""
    plan, changed, history = settings.change(db.session, code, list(pairs), reason, CLI_ACTOR)
    db.session.commit()
    if not changed:
        click.echo(f"计划 {code} 的参数未变 / plan {code}: nothing changed")
        return
    for key, (old, new) in changed.items():
        click.echo(f"  {key}: {_show(old)} -> {_show(new)}")
    click.echo(f"计划 {code} 参数已修改 / plan {code}: settings changed ({plan.state})")
    if history is not None:
        click.echo(
            f"原匹配结果已存档（第 {history.id} 号），请重新匹配 / the previous match is kept "
            f"in the history (no. {history.id}); match again with `flask plan match {code}`"
        )


@plan_cli.command("rematch")
@click.argument("code")
@domain_command
def rematch_cmd(code):
    """Fill every short team (min-cost flow over the capacity left; members kept)."""
    result = rematch.rematch(db.session, code, CLI_ACTOR)
    db.session.commit()
    if not result.filled and not result.short:
        click.echo(f"计划 {code} 没有缺员的检查组 / plan {code} has no short team")
        return
    for uscc, body, cert in result.filled:
        click.echo(f"  {code}/{uscc} ({body}) + {cert}")
    click.echo(f"已补齐 {len(result.filled)} 个岗位 / {len(result.filled)} places filled in {code}")
    for uscc, body, _missing, why in result.short:
        click.echo(f"  {code}/{uscc} ({body}): {why}", err=True)
    if result.short:
        click.echo(
            f"仍有 {len(result.short)} 个检查组缺员 / {len(result.short)} teams are still "
            f"short: see `flask plan diagnose {code}` or assign with `flask plan assign`",
            err=True,
        )


@plan_cli.command("assign")
@click.argument("code")
@click.argument("uscc")
@click.argument("cert_no")
@click.option("--reason", required=True, help="why this officer (audited)")
@domain_command
def assign_cmd(code, uscc, cert_no, reason):
    """Put an officer on a short team by hand, after checking every eligibility rule."""
    new = rematch.assign(db.session, code, uscc, cert_no, reason, CLI_ACTOR)
    db.session.commit()
    lead = "（组长）/ (leader)" if new.is_leader else ""
    click.echo(
        f"{cert_no} 已加入 {code}/{uscc} 检查组{lead} / {cert_no} joined the team of {code}/{uscc}"
    )


@plan_cli.command("reschedule")
@click.argument("code")
@domain_command
def reschedule_cmd(code):
    """Move only the visits whose date is no longer valid (calendar, leave, certificate)."""
    moves = reschedule.reschedule(db.session, code, CLI_ACTOR)
    db.session.commit()
    if not moves:
        click.echo(f"计划 {code} 的检查日期均仍有效 / every visit of {code} is still valid")
        return
    for m in moves:
        why = reschedule.WHY[m.why]
        click.echo(f"  {code}/{m.uscc}: {m.old} -> {m.new}  {why.zh} / {why.en}")
    click.echo(f"已调整 {len(moves)} 项检查的日期 / {len(moves)} visits of {code} moved")


@plan_cli.command("cancel")
@click.argument("code")
@click.option("--reason", required=True, help="public once the plan was published")
@domain_command
def cancel_cmd(code, reason):
    """Cancel a plan before its visits; its draws stop counting towards max_per_year."""
    plan = cancel.cancel(db.session, code, reason, CLI_ACTOR)
    db.session.commit()
    click.echo(f"计划 {plan.code} 已撤销 / plan {plan.code} cancelled: {plan.cancel_reason}")


@plan_cli.command("diagnose")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@domain_command
def diagnose_cmd(code, as_json):
    """Why officers are out, by reason, and the single changes that would make it feasible."""
    found = diagnosis.diagnose(db.session, code, CLI_ACTOR)
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    for line in found.lines():
        click.echo(f"  {line.zh}")
        click.echo(f"  {line.en}")
    if found.feasible:
        click.echo("结论：可以匹配 / verdict: feasible")
    else:
        click.echo("结论：不可行 / verdict: not feasible", err=True)
