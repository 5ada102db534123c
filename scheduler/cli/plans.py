"""`flask plan ...`: the plan lifecycle from the command line."""

from __future__ import annotations

import json

import click

from scheduler.access import VIEW
from scheduler.cli.base import CLI_ACTOR, domain_command, write_json
from scheduler.db import db
from scheduler.errors import FairdrawError, Msg
from scheduler.models import AssignmentEnd, ConflictKind
from scheduler.plans import create, draw, matching, public, queries, recusal, scheduling
from scheduler.plans.core import get_plan, iso_utc, require_plan
from scheduler.plans.plan_file import read_plan_path

PLAN_FILE = Msg("计划文件", "plan file")


def _echo_strata(plan) -> None:
    summary = plan.freeze_summary or {}
    for s in summary.get("strata", []):
        rule = f"{s['ratio_bp']} bp" if s["ratio_bp"] is not None else f"count {s['count']}"
        click.echo(f"  stratum {s['stratum']:<12} N={s['size']:>8}  {rule:<12} k={s['k']}")
    if summary:
        click.echo(f"  excluded: {summary['excluded'] or 'none'}")
        click.echo(f"  key supervision (added on top): {len(summary['key_supervision'])}")


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


@click.group("plan")
def plan_cli():
    """Plans: create, freeze, seed, draw, match, schedule, publish, show, bundle, run."""


@plan_cli.command("create")
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False), help="plan JSON")
@domain_command
def create_cmd(path):
    """Create a draft plan from a plan file."""
    plan = create.create_plan(db.session, read_plan_path(path), CLI_ACTOR)
    db.session.commit()
    click.echo(f"plan {plan.code} created (draft)")


@plan_cli.command("freeze")
@click.argument("code")
@domain_command
def freeze_cmd(code):
    """Freeze the population and publish its digest."""
    plan = draw.freeze(db.session, code, CLI_ACTOR)
    db.session.commit()
    click.echo(f"plan {plan.code} frozen at {iso_utc(plan.frozen_at)}")
    click.echo(f"  population: {plan.population_size}  digest: {plan.population_digest}")
    _echo_strata(plan)


@plan_cli.command("seed")
@click.argument("code")
@click.argument("digits")
@domain_command
def seed_cmd(code, digits):
    """Set the public seed (at least 20 digits), once."""
    plan = draw.set_seed(db.session, code, digits, CLI_ACTOR)
    db.session.commit()
    click.echo(f"plan {plan.code} seed set: {plan.seed}")


@plan_cli.command("draw")
@click.argument("code")
@domain_command
def draw_cmd(code):
    """Draw the entities (sha256-bottom-k/1)."""
    plan = draw.draw(db.session, code, CLI_ACTOR)
    db.session.commit()
    info = queries.inspection_counts(db.session, plan)
    click.echo(f"plan {plan.code} drawn: {info['random']} random + {info['key']} key supervision")


@plan_cli.command("publish")
@click.argument("code")
@domain_command
def publish_cmd(code):
    """Publish the plan on the public portal."""
    plan = public.publish(db.session, code, CLI_ACTOR)
    db.session.commit()
    click.echo(f"plan {plan.code} published at {iso_utc(plan.published_at)}")


@plan_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@domain_command
def show_cmd(code, as_json):
    """Show a plan's state, rules, strata and counts."""
    plan = require_plan(db.session, code, CLI_ACTOR, VIEW)
    info = queries.summary(db.session, plan)
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
        _echo_strata(plan)
    if info["seed"]:
        click.echo(f"  seed {info['seed']}")
    click.echo(
        f"  inspections: {info['inspections']['random']} random, {info['inspections']['key']} key"
    )


@plan_cli.command("bundle")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@domain_command
def bundle_cmd(code, out):
    """Write the public verification bundle (spec section 5)."""
    data = draw.bundle(db.session, require_plan(db.session, code, CLI_ACTOR, VIEW))
    write_json(out, data)
    click.echo(f"bundle of {code} written to {out}: {len(data['selected'])} selected")


@plan_cli.command("run")
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False))
@click.option("--seed", "digits", required=True)
@domain_command
def run_cmd(path, digits):
    """Create, freeze, seed, draw, match and schedule in one go (not publish)."""
    plan = create.create_plan(db.session, read_plan_path(path), CLI_ACTOR)
    db.session.commit()
    code = plan.code
    click.echo(f"plan {code} created")
    for name, step, args in (
        ("frozen", draw.freeze, (code, CLI_ACTOR)),
        ("seeded", draw.set_seed, (code, digits, CLI_ACTOR)),
        ("drawn", draw.draw, (code, CLI_ACTOR)),
        ("matched", matching.match, (code, CLI_ACTOR)),
        ("scheduled", scheduling.schedule, (code, CLI_ACTOR)),
    ):
        try:
            plan = step(db.session, *args)
        except FairdrawError as exc:
            db.session.rollback()
            state = get_plan(db.session, code).state
            exc.add_note(
                str(
                    Msg(
                        f"计划 {code} 停在 {state} 状态",
                        f"plan {code} stopped in state {state}; fix the cause and continue "
                        f"with `flask plan ...` or `flask plan show {code}`",
                    )
                )
            )
            raise
        db.session.commit()  # each step is its own transaction
        click.echo(f"plan {code} {name}")
    _echo_strata(plan)
    info = queries.inspection_counts(db.session, plan)
    click.echo(f"inspections: {info['random']} random + {info['key']} key supervision")
    _echo_schedule(plan)


@plan_cli.command("match")
@click.argument("code")
@domain_command
def match_cmd(code):
    """Match officers to every drawn inspection (sha256-mincost/1)."""
    plan = matching.match(db.session, code, CLI_ACTOR)
    db.session.commit()
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
    plan = scheduling.schedule(db.session, code, CLI_ACTOR)
    db.session.commit()
    _echo_schedule(plan)


@plan_cli.command("audit-export")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@domain_command
def audit_export_cmd(code, out):
    """Write the auditor export (spec section 6). Confidential: staff only."""
    data = matching.audit_export(db.session, require_plan(db.session, code, CLI_ACTOR, VIEW))
    write_json(out, data)
    click.echo(
        f"audit export of {code} written to {out}: {len(data['eligible'])} eligible pairs, "
        f"{len(data['assignment'])} assignments"
    )


REASONS_CLI = {
    "officer": AssignmentEnd.RECUSAL_OFFICER,
    "entity": AssignmentEnd.RECUSAL_ENTITY,
}


@plan_cli.command("recuse")
@click.argument("code")
@click.argument("uscc")
@click.argument("cert_no")
@click.option(
    "--by",
    type=click.Choice(list(REASONS_CLI)),
    required=True,
    help="who asked: the officer declares a conflict, or the entity asks",
)
@click.option(
    "--kind",
    type=click.Choice([k.value for k in ConflictKind]),
    default="other",
    show_default=True,
)
@click.option("--reason", required=True, help="kept confidential")
@domain_command
def recuse_cmd(code, uscc, cert_no, by, kind, reason):
    """Recuse an officer from one inspection and replace him or her."""
    new = recusal.replace_member(
        db.session, code, uscc, cert_no, REASONS_CLI[by], reason, CLI_ACTOR, ConflictKind(kind)
    )
    db.session.commit()
    if new is None:
        click.echo(
            f"{cert_no} left {code}/{uscc}; no eligible replacement: the inspection is "
            "flagged short / 无可替换人员，该检查已标记为缺员",
            err=True,
        )
        return
    click.echo(f"{cert_no} left {code}/{uscc}; replaced by {new.officer.cert_no}")


@plan_cli.command("remove-officer")
@click.argument("code")
@click.argument("cert_no")
@click.option("--reason", required=True)
@domain_command
def remove_officer_cmd(code, cert_no, reason):
    """Remove an officer who became unavailable from all of the plan's teams."""
    results = recusal.remove_unavailable(db.session, code, cert_no, reason, CLI_ACTOR)
    db.session.commit()
    click.echo(f"{cert_no} removed from {len(results)} teams")
    for new in results:
        if new is None:
            click.echo("  a team is short: see `flask plan show`", err=True)
