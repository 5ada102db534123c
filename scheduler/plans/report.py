"""The plan report (计划概要): what `flask plan show` prints and the console will show.

`plan_report(session, plan)` gathers, for staff, the scope, the rules in words, the
commitment, the seed, the strata table, the match and schedule summaries and the state
history, as JSON-ready data; `report_lines(report, lang)` renders it in Chinese (`zh`) or
English (`en`). Times are shown in China Standard Time. Nothing here names an entity's
credit-risk class: the strata table holds the aggregates the commitment publishes, and a
sealed plan's strata key never appears (only its commitment).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.models import Assignment, AuditEvent, Body, Inspection, Plan, Town
from scheduler.plans import draw
from scheduler.plans.queries import inspection_counts, short_teams
from scheduler.timefmt import cst_text

STRATA_BY_WORDS = {
    "credit_class": ("按信用风险分类（A-D）分层，分层保密", "by credit-risk class (A-D), sealed"),
    "credit_class_item": (
        "按信用风险分类与检查事项分层，分层保密",
        "by credit-risk class and item, sealed",
    ),
    "none": ("不分层（全体为一层 ALL）", "not stratified (one stratum ALL)"),
    "item": ("按检查事项分层（公开属性）", "by inspection item (a public attribute)"),
    "town": ("按镇街分层（公开属性）", "by town (a public attribute)"),
    "entity_type": (
        "按主体类型 E/I/C 分层（公开属性）",
        "by entity type E/I/C (a public attribute)",
    ),
}
STATE_WORDS = {
    "draft": "草稿",
    "frozen": "已冻结",
    "drawn": "已抽取",
    "matched": "已匹配",
    "scheduled": "已排期",
    "published": "已公示",
    "closed": "已关闭",
    "cancelled": "已取消",
}
EVENT_WORDS = {
    "plan_created": ("创建", "created"),
    "plan_frozen": ("冻结", "frozen"),
    "plan_seeded": ("设定种子", "seed set"),
    "plan_drawn": ("抽取", "drawn"),
    "plan_matched": ("匹配", "matched"),
    "plan_scheduled": ("排期", "scheduled"),
    "plan_published": ("公示", "published"),
    "team_member_replaced": ("检查组成员替换", "team member replaced"),
    "plan_auditor_bundle": ("取得审计包", "auditor bundle taken"),
}


def _rule_words(plan: Plan, towns: dict[str, Town]) -> list[dict[str, str]]:
    """The plan's rules as sentences, each {"zh": ..., "en": ...}."""
    rules = plan.rules
    out = []

    def add(zh: str, en: str) -> None:
        out.append({"zh": zh, "en": en})

    zh_by, en_by = STRATA_BY_WORDS.get(rules["strata"]["by"], (rules["strata"]["by"],) * 2)
    add(f"分层：{zh_by}", f"strata: {en_by}")
    given = rules["strata"].get("ratios_bp") or rules["strata"].get("counts") or {}
    if "ratios_bp" in rules["strata"]:
        parts = [(label, f"{bp / 100:g}%") for label, bp in sorted(given.items())]
        add(
            "抽查比例：" + "，".join(f"{label} {p}" for label, p in parts),
            "sampling ratios: " + ", ".join(f"{label} {p}" for label, p in parts),
        )
    else:
        add(
            "抽查数量：" + "，".join(f"{label} {n} 户" for label, n in sorted(given.items())),
            "sample counts: " + ", ".join(f"{label} {n}" for label, n in sorted(given.items())),
        )
    sizes = rules["team_size"]
    add(
        "每个检查组人数：" + "，".join(f"{b} {n} 人" for b, n in sorted(sizes.items())),
        "officers per team: " + ", ".join(f"{b} {n}" for b, n in sorted(sizes.items())),
    )
    if rules["mode"] == "balanced":
        cap = rules["cap_per_officer"]
        add(
            "匹配方式：均衡（取可行的最小每人上限" + (f"，不超过 {cap} 项）" if cap else "）"),
            "match mode: balanced (the smallest feasible cap per officer"
            + (f", at most {cap})" if cap else ")"),
        )
    else:
        add(
            f"匹配方式：随机，每人至多 {rules['cap_per_officer']} 项",
            f"match mode: random, at most {rules['cap_per_officer']} inspections per officer",
        )
    per_day = rules.get("cap_per_day", 4)
    add(f"每人每天至多 {per_day} 项检查", f"at most {per_day} inspections per officer a day")
    if rules["cross_jurisdiction"]:
        add(
            "所所交叉：执法人员不检查本单位所在镇街的主体",
            "cross-jurisdiction: officers never inspect entities of their own unit's town",
        )
    months = rules["exclusions"]["months_since_last"]
    if months:
        add(
            f"排除：牵头主体 {months} 个月内检查过的主体（一般事项）",
            f"excluded: entities the lead body inspected in the last {months} months "
            "(general items)",
        )
    per_year = rules["exclusions"]["max_per_year"]
    if per_year:
        add(
            f"排除：本年度已被抽查 {per_year} 次的主体",
            f"excluded: entities already inspected or drawn {per_year} times this year",
        )
    if rules["key_supervision"]["flagged"]:
        add(
            "重点监管主体在随机抽取之外全部检查",
            "entities under key supervision are all inspected, on top of the random draw",
        )
    else:
        add(
            "只检查计划文件列出的重点监管主体（不含名录标记的）",
            "only the key-supervision entities the plan file lists are added",
        )
    return out


def _scope(plan: Plan, towns: dict[str, Town]) -> dict:
    filtered = plan.rules["filters"]["towns"]
    return {
        "lead_body": {
            "code": plan.lead_body.code,
            "name_zh": plan.lead_body.name_zh,
            "name_en": plan.lead_body.name_en,
        },
        "bodies": [
            {"code": b.code, "name_zh": b.name_zh, "name_en": b.name_en} for b in plan.bodies
        ],
        "items": [{"code": i.code, "name_zh": i.name_zh, "name_en": i.name_en} for i in plan.items],
        "window": {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()},
        "towns": [
            {"code": c, "name_zh": towns[c].name_zh, "name_en": towns[c].name_en}
            for c in filtered
            if c in towns
        ],
    }


def _match(session: Session, plan: Plan) -> dict | None:
    if plan.match_summary is None:
        return None
    rows = session.execute(
        select(Assignment.inspection_id, Assignment.officer_id, Assignment.is_leader, Body.code)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .join(Body, Body.id == Assignment.body_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
    ).all()
    loads: dict[str, Counter] = defaultdict(Counter)
    for _, officer_id, _, body in rows:
        loads[body][officer_id] += 1
    workload = {}
    for body in sorted(loads):
        counts = sorted(loads[body].values())
        workload[body] = {
            "officers": len(counts),
            "min": counts[0],
            "median": statistics.median(counts),
            "max": counts[-1],
        }
    short = short_teams(session, plan)
    return {
        "mode": plan.match_summary.get("mode"),
        "cap": plan.match_summary.get("cap"),
        "teams": len({i for i, _, _, _ in rows}),
        "members": len(rows),
        "leaders": sum(1 for *_, leader, _ in rows if leader),
        "workload": workload,
        "short_teams": [{"inspection": f"{plan.code}/{u}", "reason": r} for u, r in short],
        # Room left per body (plans/fitting.py): free officer-day slots, free places under
        # the cap, officers at the cap; and the members swapped so every visit has a day.
        "slack": plan.match_summary.get("slack") or {},
        "schedule_repairs": plan.match_summary.get("schedule_repairs", 0),
    }


def _schedule(session: Session, plan: Plan) -> dict | None:
    if plan.schedule_summary is None:
        return None
    days = Counter(
        session.scalars(
            select(Inspection.visit_date).where(
                Inspection.plan_id == plan.id, Inspection.visit_date.is_not(None)
            )
        )
    )
    summary = plan.schedule_summary
    return {
        "working_days": summary.get("working_days"),
        "calendar": summary.get("calendar", {}),
        "provisional": bool(summary.get("provisional")),
        "deadlines_provisional": bool(summary.get("deadlines_provisional")),
        "visits_per_day": [{"date": d.isoformat(), "visits": n} for d, n in sorted(days.items())],
    }


def _history(session: Session, plan: Plan) -> list[dict]:
    events = session.execute(
        select(AuditEvent.at, AuditEvent.kind, AuditEvent.actor)
        .where(AuditEvent.subject == plan.code)
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return [{"at": cst_text(at), "event": kind, "actor": actor} for at, kind, actor in events]


def plan_report(session: Session, plan: Plan) -> dict:
    """Everything `flask plan show` tells staff about the plan (no writes, no strata key,
    no entity's class). Times are China Standard Time text."""
    towns = {t.code: t for t in session.scalars(select(Town))}
    frozen = plan.freeze_summary or {}
    sealed = draw.is_sealed(plan)
    return {
        "code": plan.code,
        "name": plan.name,
        "state": plan.state,
        "sealed": sealed,
        "algorithm": draw.algorithm(plan),
        "scope": _scope(plan, towns),
        "rules": plan.rules,
        "rules_text": _rule_words(plan, towns),
        "commitment": draw.commitment(plan) if plan.frozen_at is not None else None,
        "frozen_at": cst_text(plan.frozen_at),
        "seed": plan.seed,
        "seeded_at": cst_text(plan.seeded_at),
        "strata": [
            {k: s.get(k) for k in ("stratum", "size", "ratio_bp", "count", "k")}
            for s in frozen.get("strata", [])
        ],
        "excluded": frozen.get("excluded"),
        "key_supervision_added": len(frozen.get("key_supervision", [])) if frozen else None,
        "inspections": inspection_counts(session, plan),
        "match": _match(session, plan),
        "schedule": _schedule(session, plan),
        "published_at": cst_text(plan.published_at),
        "history": _history(session, plan),
    }


# ------------------------------------------------------------------------------- rendering


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def report_lines(report: dict, lang: str) -> list[str]:
    """The report as printable lines in one language: `zh` (Chinese) or `en`."""
    t = _t
    lines: list[str] = []
    add = lines.append
    state = report["state"]
    state_text = state if lang == "en" else STATE_WORDS.get(state, state)
    add(f"{report['code']}  {report['name']}  [{state_text}]")
    scope = report["scope"]
    name_key = "name_en" if lang == "en" else "name_zh"
    add(t(lang, "范围", "Scope"))
    lead = scope["lead_body"]
    add(t(lang, "  牵头主体：", "  lead body: ") + f"{lead['code']} {lead[name_key]}")
    add(
        t(lang, "  参与主体：", "  bodies: ")
        + t(lang, "、", ", ").join(f"{b['code']} {b[name_key]}" for b in scope["bodies"])
    )
    for item in scope["items"]:
        add(t(lang, "  检查事项：", "  item: ") + f"{item['code']} {item[name_key]}")
    window = scope["window"]
    add(t(lang, "  检查期间：", "  window: ") + f"{window['start']} .. {window['end']}")
    towns = scope["towns"]
    add(
        t(lang, "  镇街：", "  towns: ")
        + (
            t(lang, "、", ", ").join(f"{x['code']} {x[name_key]}" for x in towns)
            if towns
            else t(lang, "全部", "all")
        )
    )
    add(t(lang, "规则", "Rules"))
    for rule in report["rules_text"]:
        add("  " + rule[lang if lang == "en" else "zh"])

    commitment = report["commitment"]
    add(t(lang, "承诺（冻结时公布）", "Commitment (published at the freeze)"))
    if commitment is None:
        add(t(lang, "  尚未冻结", "  not frozen yet"))
    else:
        add(t(lang, "  算法：", "  algorithm: ") + commitment["algorithm"])
        if report["sealed"]:
            add(
                t(
                    lang,
                    "  分层保密：公开验证包只列统一社会信用代码，审计包仅限工作人员",
                    "  sealed strata: the public bundle lists codes only; the auditor bundle "
                    "is for staff",
                )
            )
        add(t(lang, "  冻结时间：", "  frozen at: ") + report["frozen_at"])
        add(t(lang, "  名录总数：", "  population: ") + str(commitment["population_size"]))
        add(t(lang, "  名录摘要：", "  population digest: ") + commitment["population_digest"])
        if "population_keys_digest" in commitment:
            add(t(lang, "  代码摘要：", "  keys digest: ") + commitment["population_keys_digest"])
            add(
                t(lang, "  分层密钥承诺：", "  strata key commitment: ")
                + commitment["strata_key_commitment"]
            )
    add(t(lang, "种子", "Seed"))
    if report["seed"]:
        add(f"  {report['seed']}  ({report['seeded_at']})")
    else:
        add(t(lang, "  尚未设定", "  not set yet"))

    if report["strata"]:
        add(t(lang, "分层", "Strata"))
        add(
            t(
                lang,
                # Widths as in the rows below; a Chinese character is two columns wide.
                "  分层" + " " * 11 + "总数  规则" + " " * 9 + "抽取",
                f"  {'stratum':<10} {'N':>8}  {'rule':<10} {'k':>6}",
            )
        )
        for s in report["strata"]:
            if s["ratio_bp"] is not None:
                rule = f"{s['ratio_bp'] / 100:g}%"
            else:
                rule = t(lang, f"{s['count']} 户", f"count {s['count']}")
            add(f"  {s['stratum']:<10} {s['size']:>8}  {rule:<10} {s['k']:>6}")
        excluded = report["excluded"] or {}
        words = {
            "listed": ("计划列出", "listed by the planner"),
            "months_since_last": ("近期已检查", "inspected recently"),
            "max_per_year": ("本年次数已满", "yearly limit reached"),
        }
        parts = [f"{words.get(k, (k, k))[lang == 'en']} {n}" for k, n in sorted(excluded.items())]
        add(
            t(lang, "  排除：", "  excluded: ")
            + (t(lang, "，", ", ").join(parts) if parts else t(lang, "无", "none"))
        )
        add(
            t(lang, "  重点监管（另行加入）：", "  key supervision (added on top): ")
            + str(report["key_supervision_added"])
        )
    counts = report["inspections"]
    add(
        t(lang, "检查：随机 {r} 项，重点监管 {k} 项", "Inspections: {r} random, {k} key").format(
            r=counts["random"], k=counts["key"]
        )
    )

    match = report["match"]
    if match is not None:
        add(t(lang, "匹配", "Match"))
        add(
            t(
                lang,
                f"  {match['teams']} 个检查组，{match['members']} 人次，{match['leaders']} 名组长；"
                f"方式 {match['mode']}，每人上限 {match['cap']}",
                f"  {match['teams']} teams, {match['members']} members, {match['leaders']} "
                f"leaders; mode {match['mode']}, cap {match['cap']} per officer",
            )
        )
        for body, w in match["workload"].items():
            add(
                t(
                    lang,
                    f"  {body} 工作量：{w['officers']} 人，最少 {w['min']}，中位 {w['median']:g}，"
                    f"最多 {w['max']}",
                    f"  {body} workload: {w['officers']} officers, min {w['min']}, median "
                    f"{w['median']:g}, max {w['max']}",
                )
            )
        for body, room in match["slack"].items():
            add(
                t(
                    lang,
                    f"  {body} 余量：空闲人日名额 {room['officer_day_slots']}，上限内可增 "
                    f"{room['cap_places']} 项，已达上限 {room['officers_at_cap']} 人",
                    f"  {body} slack: {room['officer_day_slots']} free officer-day slots, "
                    f"{room['cap_places']} places under the cap, {room['officers_at_cap']} "
                    "officers at the cap",
                )
            )
        if match["schedule_repairs"]:
            n = match["schedule_repairs"]
            add(
                t(
                    lang,
                    f"  为排期调换的成员：{n} 人次（见审计导出 schedule_repairs）",
                    f"  members swapped so that every visit has a day: {n} (see the auditor "
                    "export's schedule_repairs)",
                )
            )
        short = match["short_teams"]
        add(t(lang, f"  缺员检查组：{len(short)}", f"  short teams: {len(short)}"))
        for s in short[:20]:
            add(f"    {s['inspection']}: {s['reason']}")
    schedule = report["schedule"]
    if schedule is not None:
        add(t(lang, "排期", "Schedule"))
        add(
            t(lang, "  窗口内工作日：", "  working days in the window: ")
            + str(schedule["working_days"])
        )
        for day in schedule["visits_per_day"]:
            add(
                t(lang, f"  {day['date']}  {day['visits']} 项", f"  {day['date']}  {day['visits']}")
            )
        if schedule["provisional"] or schedule["deadlines_provisional"]:
            add(
                t(
                    lang,
                    "  注意：部分日期基于临时日历（节假日安排尚未公布），公布后请导入并重新排期",
                    "  warning: some dates rest on a provisional calendar (holidays not yet "
                    "announced); import the official list when it is out and reschedule",
                )
            )
    add(t(lang, "状态记录（北京时间）", "History (China Standard Time)"))
    for event in report["history"]:
        words = EVENT_WORDS.get(event["event"], (event["event"], event["event"]))
        add(f"  {event['at']}  {words[lang == 'en']}  {event['actor']}")
    return lines
