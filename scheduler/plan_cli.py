"""`flask plan ...`: the plan lifecycle from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import click

from scheduler import plans
from scheduler.cli import domain_command, fail
from scheduler.db import db

ACTOR = "cli"


def _read_plan_file(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"无法读取计划文件 / cannot read the plan file {path}: {exc}")
    except json.JSONDecodeError as exc:
        fail(f"计划文件不是合法 JSON / {path} is not valid JSON: line {exc.lineno}: {exc.msg}")


def _write_json(path: str, data: dict) -> None:
    try:
        Path(path).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    except OSError as exc:
        fail(f"无法写入 / cannot write {path}: {exc}")


def _run(step, *args, stopped: str | None = None):
    """Run one service step in its own transaction; print the error and exit 1 on failure
    (saying in which state plan `stopped` was left, for multi-step commands)."""
    try:
        result = step(db.session, *args)
    except plans.PlanError as exc:
        db.session.rollback()
        if stopped is None:
            fail(str(exc))
        state = plans.get_plan(db.session, stopped).state
        fail(
            f"{exc}\n计划 {stopped} 停在 {state} 状态 / plan {stopped} stopped in state {state}; "
            f"fix the cause and continue with `flask plan ...` or `flask plan show {stopped}`"
        )
    db.session.commit()
    return result


def _echo_strata(plan) -> None:
    summary = plan.freeze_summary or {}
    for s in summary.get("strata", []):
        rule = f"{s['ratio_bp']} bp" if s["ratio_bp"] is not None else f"count {s['count']}"
        click.echo(f"  stratum {s['stratum']:<12} N={s['size']:>8}  {rule:<12} k={s['k']}")
    if summary:
        click.echo(f"  excluded: {summary['excluded'] or 'none'}")
        click.echo(f"  key supervision (added on top): {len(summary['key_supervision'])}")


@click.group("plan")
def plan_cli():
    """Plans: create, freeze, seed, draw, publish, show, bundle, run."""


@plan_cli.command("create")
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False), help="plan JSON")
@domain_command
def create(path):
    """Create a draft plan from a plan file."""
    plan = _run(plans.create_plan, _read_plan_file(path), ACTOR)
    click.echo(f"plan {plan.code} created (draft)")


@plan_cli.command("freeze")
@click.argument("code")
@domain_command
def freeze(code):
    """Freeze the population and publish its digest."""
    plan = _run(plans.freeze, code, ACTOR)
    click.echo(f"plan {plan.code} frozen at {plans.iso_utc(plan.frozen_at)}")
    click.echo(f"  population: {plan.population_size}  digest: {plan.population_digest}")
    _echo_strata(plan)


@plan_cli.command("seed")
@click.argument("code")
@click.argument("digits")
@domain_command
def seed(code, digits):
    """Set the public seed (at least 20 digits), once."""
    plan = _run(plans.set_seed, code, digits, ACTOR)
    click.echo(f"plan {plan.code} seed set: {plan.seed}")


@plan_cli.command("draw")
@click.argument("code")
@domain_command
def draw(code):
    """Draw the entities (sha256-bottom-k/1)."""
    plan = _run(plans.draw, code, ACTOR)
    info = plans.summary(db.session, plan.code)["inspections"]
    click.echo(f"plan {plan.code} drawn: {info['random']} random + {info['key']} key supervision")


@plan_cli.command("publish")
@click.argument("code")
@domain_command
def publish(code):
    """Publish the plan on the public portal."""
    plan = _run(plans.publish, code, ACTOR)
    click.echo(f"plan {plan.code} published at {plans.iso_utc(plan.published_at)}")


@plan_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@domain_command
def show(code, as_json):
    """Show a plan's state, rules, strata and counts."""
    info = _run(plans.summary, code)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"{info['code']}  {info['name']}  [{info['state']}]")
    click.echo(f"  lead body {info['lead_body']}, bodies {', '.join(info['bodies'])}")
    click.echo(f"  items {', '.join(info['items'])}")
    click.echo(f"  window {info['window']['start']} .. {info['window']['end']}")
    if info["frozen_at"]:
        click.echo(f"  frozen {info['frozen_at']}  population {info['population_size']}")
        click.echo(f"  digest {info['population_digest']}")
        _echo_strata(plans.get_plan(db.session, code))
    if info["seed"]:
        click.echo(f"  seed {info['seed']}")
    click.echo(
        f"  inspections: {info['inspections']['random']} random, {info['inspections']['key']} key"
    )


@plan_cli.command("bundle")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@domain_command
def bundle(code, out):
    """Write the public verification bundle (spec section 5)."""
    data = _run(plans.bundle, code)
    _write_json(out, data)
    click.echo(f"bundle of {code} written to {out}: {len(data['selected'])} selected")


@plan_cli.command("run")
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False))
@click.option("--seed", "digits", required=True)
@domain_command
def run(path, digits):
    """Create, freeze, seed, draw, match and schedule in one go (not publish)."""
    data = _read_plan_file(path)
    plan = _run(plans.create_plan, data, ACTOR)
    code = plan.code
    click.echo(f"plan {code} created")
    from scheduler import matching, scheduling

    for name, step, args in (
        ("frozen", plans.freeze, (code, ACTOR)),
        ("seeded", plans.set_seed, (code, digits, ACTOR)),
        ("drawn", plans.draw, (code, ACTOR)),
        ("matched", matching.match, (code, ACTOR)),
        ("scheduled", scheduling.schedule, (code, ACTOR)),
    ):
        _run(step, *args, stopped=code)
        click.echo(f"plan {code} {name}")
    plan = plans.get_plan(db.session, code)
    _echo_strata(plan)
    info = plans.summary(db.session, code)["inspections"]
    click.echo(f"inspections: {info['random']} random + {info['key']} key supervision")
    _echo_schedule(plan)


@plan_cli.command("match")
@click.argument("code")
@domain_command
def match_cmd(code):
    """Match officers to every drawn inspection (sha256-mincost/1)."""
    from scheduler import matching

    plan = _run(matching.match, code, ACTOR)
    s = plan.match_summary
    click.echo(
        f"plan {plan.code} matched: {s['assignments']} assignments, mode {s['mode']}, "
        f"cap {s['cap']} per officer, total cost {s['total_cost']}"
    )


@plan_cli.command("schedule")
@click.argument("code")
@domain_command
def schedule_cmd(code):
    """Give every inspection a working day and its disclosure deadline."""
    from scheduler import scheduling

    plan = _run(scheduling.schedule, code, ACTOR)
    _echo_schedule(plan)


def _echo_schedule(plan) -> None:
    s = plan.schedule_summary
    calendar = ", ".join(f"{y}: {src}" for y, src in s["calendar"].items())
    click.echo(
        f"plan {plan.code} scheduled on {s['working_days']} working days ({calendar}); "
        f"{s['officer_day_town_combinations']} officer-day-town combinations "
        f"(lower bound {s['combinations_lower_bound']}), day load "
        f"{s['min_day_load']}..{s['max_day_load']}"
    )
    if s["provisional"]:
        click.echo(
            "  注意：日历为临时日历（未公布节假日安排）/ note: the window is on a provisional "
            "calendar; import the official holiday list with `flask calendar import`",
            err=True,
        )


@plan_cli.command("audit-export")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@domain_command
def audit_export_cmd(code, out):
    """Write the auditor export (spec section 6). Confidential: staff only."""
    from scheduler import matching

    data = _run(matching.audit_export, code)
    _write_json(out, data)
    click.echo(
        f"audit export of {code} written to {out}: {len(data['eligible'])} eligible pairs, "
        f"{len(data['assignment'])} assignments"
    )


REASONS_CLI = {
    "officer": "recusal_officer",
    "entity": "recusal_entity",
}


@plan_cli.command("recuse")
@click.argument("code")
@click.argument("uscc")
@click.argument("cert_no")
@click.option(
    "--by",
    type=click.Choice(["officer", "entity"]),
    required=True,
    help="who asked: the officer declares a conflict, or the entity asks",
)
@click.option(
    "--kind",
    type=click.Choice(["relative", "former_employer", "shareholding", "other"]),
    default="other",
    show_default=True,
)
@click.option("--reason", required=True, help="kept confidential")
@domain_command
def recuse(code, uscc, cert_no, by, kind, reason):
    """Recuse an officer from one inspection and replace him or her."""
    from scheduler import matching
    from scheduler.models import AssignmentEnd, ConflictKind

    new = _run(
        matching.replace_member,
        code,
        uscc,
        cert_no,
        AssignmentEnd(REASONS_CLI[by]),
        reason,
        ACTOR,
        ConflictKind(kind),
    )
    _echo_replacement(code, uscc, cert_no, new)


@plan_cli.command("remove-officer")
@click.argument("code")
@click.argument("cert_no")
@click.option("--reason", required=True)
@domain_command
def remove_officer(code, cert_no, reason):
    """Remove an officer who became unavailable from all of the plan's teams."""
    from scheduler import matching

    results = _run(matching.remove_unavailable, code, cert_no, reason, ACTOR)
    click.echo(f"{cert_no} removed from {len(results)} teams")
    for new in results:
        if new is None:
            click.echo("  a team is short: see `flask plan show`", err=True)


def _echo_replacement(code, uscc, cert_no, new) -> None:
    if new is None:
        click.echo(
            f"{cert_no} left {code}/{uscc}; no eligible replacement: the inspection is "
            "flagged short / 无可替换人员，该检查已标记为缺员",
            err=True,
        )
        return
    click.echo(f"{cert_no} left {code}/{uscc}; replaced by {new.officer.cert_no}")
