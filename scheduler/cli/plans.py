"""`flask plan ...`: the plan lifecycle from the command line."""

from __future__ import annotations

import json

import click

from scheduler.access import VIEW
from scheduler.cli.base import CLI_ACTOR, domain_command, say, say_lines, write_json
from scheduler.db import db
from scheduler.errors import FairdrawError, Msg
from scheduler.models import AssignmentEnd, ConflictKind
from scheduler.plans import (
    create,
    draw,
    export,
    matching,
    public,
    queries,
    recusal,
    scheduling,
)
from scheduler.plans.core import get_plan, require_plan
from scheduler.plans.plan_file import read_plan_path
from scheduler.plans.report import plan_report, report_lines
from scheduler.timefmt import cst_text

PLAN_FILE = Msg("计划文件", "plan file")


def _strata_lines(plan, lang: str) -> list[str]:
    """The strata table and the freeze's exclusions, as `plan show` prints them."""
    lines = report_lines(plan_report(db.session, plan), lang)
    start = lines.index("分层" if lang == "zh" else "Strata") + 1
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("  "))
    return lines[start:end]


def _say_strata(plan) -> None:
    say_lines(_strata_lines(plan, "zh"), _strata_lines(plan, "en"))


def _say_schedule(plan) -> None:
    s = plan.schedule_summary
    sources = {"official": "官方", "chinesecalendar": "chinesecalendar", "provisional": "临时"}
    cal_zh = "，".join(f"{y} 年 {sources.get(src, src)}" for y, src in s["calendar"].items())
    cal_en = ", ".join(f"{y}: {src}" for y, src in s["calendar"].items())
    say(
        f"计划 {plan.code} 已排期：{s['working_days']} 个工作日（日历：{cal_zh}）；"
        f"人员-日期-镇街组合 {s['officer_day_town_combinations']} 个"
        f"（下限 {s['combinations_lower_bound']}），每日检查 {s['min_day_load']} 至 "
        f"{s['max_day_load']} 项",
        f"plan {plan.code} scheduled on {s['working_days']} working days ({cal_en}); "
        f"{s['officer_day_town_combinations']} officer-day-town combinations "
        f"(lower bound {s['combinations_lower_bound']}), day load "
        f"{s['min_day_load']}..{s['max_day_load']}",
    )
    if s["provisional"]:
        say(
            "注意：日历为临时日历（节假日安排尚未公布），公布后请用 `flask calendar import` 导入",
            "note: the window is on a provisional calendar; import the official holiday list "
            "with `flask calendar import`",
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
    say(f"计划 {plan.code} 已创建（草稿）", f"plan {plan.code} created (draft)")


@plan_cli.command("freeze")
@click.argument("code")
@click.option("--force", is_flag=True, help="freeze even if the capacity check fails")
@domain_command
def freeze_cmd(code, force):
    """Freeze the population and publish its digest (after the capacity check)."""
    plan = draw.freeze(db.session, code, CLI_ACTOR, force=force)
    db.session.commit()
    say(
        f"计划 {plan.code} 已冻结（{cst_text(plan.frozen_at)}）：名录 {plan.population_size} 户，"
        f"摘要 {plan.population_digest}",
        f"plan {plan.code} frozen at {cst_text(plan.frozen_at)}: population "
        f"{plan.population_size}, digest {plan.population_digest}",
    )
    if draw.is_sealed(plan):
        commitment = draw.commitment(plan)
        say(
            f"分层保密（{commitment['algorithm']}）：分层密钥已生成并保存，承诺 "
            f"{commitment['strata_key_commitment']}",
            f"sealed strata ({commitment['algorithm']}): strata key drawn and stored, "
            f"commitment {commitment['strata_key_commitment']}",
        )
    _say_strata(plan)


@plan_cli.command("seed")
@click.argument("code")
@click.argument("digits")
@domain_command
def seed_cmd(code, digits):
    """Set the public seed (at least 20 digits), once."""
    plan = draw.set_seed(db.session, code, digits, CLI_ACTOR)
    db.session.commit()
    say(f"计划 {plan.code} 种子已设定：{plan.seed}", f"plan {plan.code} seed set: {plan.seed}")


@plan_cli.command("draw")
@click.argument("code")
@domain_command
def draw_cmd(code):
    """Draw the entities (sha256-bottom-k/1)."""
    plan = draw.draw(db.session, code, CLI_ACTOR)
    db.session.commit()
    info = queries.inspection_counts(db.session, plan)
    say(
        f"计划 {plan.code} 已抽取：随机 {info['random']} 户，重点监管 {info['key']} 户",
        f"plan {plan.code} drawn: {info['random']} random + {info['key']} key supervision",
    )


@plan_cli.command("publish")
@click.argument("code")
@domain_command
def publish_cmd(code):
    """Publish the plan on the public portal."""
    plan = public.publish(db.session, code, CLI_ACTOR)
    db.session.commit()
    say(
        f"计划 {plan.code} 已公示（{cst_text(plan.published_at)}）",
        f"plan {plan.code} published at {cst_text(plan.published_at)}",
    )


@plan_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@domain_command
def show_cmd(code, as_json):
    """Show a plan: scope, rules, commitment, seed, strata, match, schedule, history
    (Chinese first, then English; times in China Standard Time)."""
    plan = require_plan(db.session, code, CLI_ACTOR, VIEW)
    report = plan_report(db.session, plan)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    say_lines(report_lines(report, "zh"), report_lines(report, "en"))


@plan_cli.command("export")
@click.argument("code")
@click.option(
    "--out",
    required=True,
    type=click.Path(),
    help="FILE.xlsx, or a folder with --format csv",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(export.FORMATS),
    default="xlsx",
    show_default=True,
    help="xlsx: one workbook; csv: one file per sheet in the folder --out",
)
@domain_command
def export_cmd(code, out, fmt):
    """Export the plan for printing: inspections, teams, workload, schedule, rules."""
    paths = export.export_plan(db.session, code, CLI_ACTOR, out, fmt)
    names = ", ".join(str(p) for p in paths)
    say(f"计划 {code} 已导出：{names}", f"plan {code} exported: {names}")


@plan_cli.command("bundle")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option(
    "--auditor",
    is_flag=True,
    help="the auditor bundle of a sealed plan (strata key and every stratum): staff only",
)
@domain_command
def bundle_cmd(code, out, auditor):
    """Write the verification bundle: public (spec sections 5, 7) or, with --auditor, the
    confidential auditor bundle of section 7."""
    if auditor:
        data = draw.auditor_bundle(db.session, code, CLI_ACTOR)
        write_json(out, data)
        db.session.commit()  # the audit event of who took the bundle
        n = len(data["selected"])
        say(
            f"计划 {code} 的审计包（保密，含分层密钥）已写入 {out}：抽中 {n} 户",
            f"auditor bundle of {code} (confidential: it holds the strata key) written to "
            f"{out}: {n} selected",
        )
        return
    data = draw.bundle(db.session, require_plan(db.session, code, CLI_ACTOR, VIEW))
    write_json(out, data)
    say(
        f"计划 {code} 的验证包已写入 {out}：抽中 {len(data['selected'])} 户",
        f"bundle of {code} written to {out}: {len(data['selected'])} selected",
    )


@plan_cli.command("run")
@click.option("--from", "path", required=True, type=click.Path(dir_okay=False))
@click.option("--seed", "digits", required=True)
@domain_command
def run_cmd(path, digits):
    """Create, freeze, seed, draw, match and schedule in one go (not publish)."""
    plan = create.create_plan(db.session, read_plan_path(path), CLI_ACTOR)
    db.session.commit()
    code = plan.code
    say(f"计划 {code} 已创建", f"plan {code} created")
    for (zh, name), step, args in (
        (("已冻结", "frozen"), draw.freeze, (code, CLI_ACTOR)),
        (("种子已设定", "seeded"), draw.set_seed, (code, digits, CLI_ACTOR)),
        (("已抽取", "drawn"), draw.draw, (code, CLI_ACTOR)),
        (("已匹配", "matched"), matching.match, (code, CLI_ACTOR)),
        (("已排期", "scheduled"), scheduling.schedule, (code, CLI_ACTOR)),
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
        say(f"计划 {code} {zh}", f"plan {code} {name}")
    _say_strata(plan)
    info = queries.inspection_counts(db.session, plan)
    say(
        f"检查：随机 {info['random']} 户，重点监管 {info['key']} 户",
        f"inspections: {info['random']} random + {info['key']} key supervision",
    )
    _say_schedule(plan)


@plan_cli.command("match")
@click.argument("code")
@domain_command
def match_cmd(code):
    """Match officers to every drawn inspection (sha256-mincost/1)."""
    plan = matching.match(db.session, code, CLI_ACTOR)
    db.session.commit()
    s = plan.match_summary
    say(
        f"计划 {plan.code} 已匹配：{s['assignments']} 人次，方式 {s['mode']}，"
        f"每人上限 {s['cap']}，总成本 {s['total_cost']}",
        f"plan {plan.code} matched: {s['assignments']} assignments, mode {s['mode']}, "
        f"cap {s['cap']} per officer, total cost {s['total_cost']}",
    )


@plan_cli.command("schedule")
@click.argument("code")
@domain_command
def schedule_cmd(code):
    """Give every inspection a working day and its disclosure deadline."""
    plan = scheduling.schedule(db.session, code, CLI_ACTOR)
    db.session.commit()
    _say_schedule(plan)


@plan_cli.command("audit-export")
@click.argument("code")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@domain_command
def audit_export_cmd(code, out):
    """Write the auditor export (spec section 6). Confidential: staff only."""
    data = matching.audit_export(db.session, require_plan(db.session, code, CLI_ACTOR, VIEW))
    write_json(out, data)
    say(
        f"计划 {code} 的匹配审计导出已写入 {out}：可选配对 {len(data['eligible'])} 个，"
        f"分派 {len(data['assignment'])} 人次",
        f"audit export of {code} written to {out}: {len(data['eligible'])} eligible pairs, "
        f"{len(data['assignment'])} assignments",
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
        say(
            f"{cert_no} 已退出 {code}/{uscc}；无可替换人员，该检查已标记为缺员",
            f"{cert_no} left {code}/{uscc}; no eligible replacement: the inspection is "
            "flagged short",
            err=True,
        )
        return
    say(
        f"{cert_no} 已退出 {code}/{uscc}，由 {new.officer.cert_no} 替换",
        f"{cert_no} left {code}/{uscc}; replaced by {new.officer.cert_no}",
    )


@plan_cli.command("remove-officer")
@click.argument("code")
@click.argument("cert_no")
@click.option("--reason", required=True)
@domain_command
def remove_officer_cmd(code, cert_no, reason):
    """Remove an officer who became unavailable from all of the plan's teams."""
    results = recusal.remove_unavailable(db.session, code, cert_no, reason, CLI_ACTOR)
    db.session.commit()
    say(
        f"{cert_no} 已从 {len(results)} 个检查组移出",
        f"{cert_no} removed from {len(results)} teams",
    )
    short = sum(1 for new in results if new is None)
    if short:
        say(
            f"其中 {short} 个检查组缺员：见 `flask plan show {code}`",
            f"{short} of them are short: see `flask plan show {code}`",
            err=True,
        )
