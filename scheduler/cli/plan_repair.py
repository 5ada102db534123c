"""`flask plan check|set|rematch|assign|reschedule|cancel`: the commands that get a planner
out of a dead end. They are added to the `plan` group of `scheduler.cli.plans`."""

from __future__ import annotations

import json

import click

from scheduler.cli.base import CLI_ACTOR, domain_command
from scheduler.cli.plans import plan_cli
from scheduler.db import db
from scheduler.plans import capacity, settings


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
