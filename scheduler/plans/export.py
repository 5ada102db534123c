"""The plan's printable export (计划导出): what an office prints and files.

`plan_sheets(session, plan)` builds five tables: inspections (entity, town, address, items,
random or key supervision, visit date, disclosure deadline, status), teams (names and
certificate numbers, leader), officer workload, the schedule by day and town, and the
rules; `export_plan` writes them as one workbook (`.xlsx`) or one CSV per sheet. Staff
only (it names officers and addresses); it never names an entity's credit-risk class,
not even for a sealed plan's staff. Every text cell is neutralised against formula
injection (`scheduler.spreadsheet`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.access import VIEW
from scheduler.actors import Actor
from scheduler.errors import Invalid, Msg
from scheduler.models import Assignment, Body, Entity, Inspection, Officer, Plan, Town, Unit
from scheduler.plans.core import require_plan
from scheduler.plans.report import plan_report
from scheduler.spreadsheet import Sheet, write_csv_dir, write_xlsx

FORMATS = ("xlsx", "csv")


def _status(insp_short: str | None, visit, has_team: bool) -> str:
    if insp_short:
        return "缺员 short team"
    if visit is not None:
        return "已排期 scheduled"
    if has_team:
        return "已匹配 matched"
    return "已抽取 drawn"


def plan_sheets(session: Session, plan: Plan) -> list[Sheet]:
    """The five tables of the plan export, in print order."""
    town_of = {t.id: t for t in session.scalars(select(Town))}
    inspections = session.execute(
        select(Inspection, Entity)
        .join(Entity, Entity.id == Inspection.entity_id)
        .where(Inspection.plan_id == plan.id)
        .order_by(Inspection.visit_date, Entity.town_id, Inspection.uscc)
    ).all()
    members = session.execute(
        select(Assignment, Officer, Body.code, Unit.name_zh)
        .join(Officer, Officer.id == Assignment.officer_id)
        .join(Body, Body.id == Assignment.body_id)
        .join(Unit, Unit.id == Officer.unit_id)
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .order_by(Assignment.inspection_id, Body.code, Assignment.cost)
    ).all()
    team_of: dict[int, list] = defaultdict(list)
    for row in members:
        team_of[row[0].inspection_id].append(row)

    insp_sheet = Sheet(
        "inspections",
        "检查清单 inspections",
        [
            "序号 No.",
            "统一社会信用代码 USCC",
            "主体名称 entity",
            "镇街 town",
            "地址 address",
            "检查事项 items",
            "来源 origin",
            "检查日期 visit date",
            "公示截止 disclosure due",
            "状态 status",
        ],
    )
    team_sheet = Sheet(
        "teams",
        "检查组 teams",
        [
            "统一社会信用代码 USCC",
            "主体名称 entity",
            "执法主体 body",
            "执法人员 officer",
            "执法证号 certificate",
            "所属单位 unit",
            "组长 leader",
        ],
    )
    by_day_town: Counter = Counter()
    officers_day_town: dict[tuple, set] = defaultdict(set)
    for n, (insp, entity) in enumerate(inspections, start=1):
        town = town_of[entity.town_id]
        items = [i.code for i in plan.items if i.fits(entity.type, entity.industry)]
        team = team_of.get(insp.id, [])
        insp_sheet.rows.append(
            [
                n,
                insp.uscc,
                entity.name,
                f"{town.code} {town.name_zh}",
                entity.address,
                " ".join(items),
                "随机 random" if insp.origin == "random" else "重点监管 key",
                insp.visit_date,
                insp.disclosure_due,
                _status(insp.short_reason, insp.visit_date, bool(team)),
            ]
        )
        for assignment, officer, body, unit in team:
            team_sheet.rows.append(
                [
                    insp.uscc,
                    entity.name,
                    body,
                    officer.name,
                    officer.cert_no,
                    unit,
                    assignment.is_leader,
                ]
            )
            if insp.visit_date is not None:
                officers_day_town[insp.visit_date, town.code].add(officer.id)
        if insp.visit_date is not None:
            by_day_town[insp.visit_date, f"{town.code} {town.name_zh}", town.code] += 1

    load: Counter = Counter()
    leads: Counter = Counter()
    days: dict[int, set] = defaultdict(set)
    who: dict[int, tuple] = {}
    for assignment, officer, body, unit in members:
        load[officer.id] += 1
        leads[officer.id] += assignment.is_leader
        if assignment.inspection.visit_date is not None:
            days[officer.id].add(assignment.inspection.visit_date)
        who[officer.id] = (body, officer.name, officer.cert_no, unit)
    work_sheet = Sheet(
        "workload",
        "工作量 workload",
        [
            "执法主体 body",
            "执法人员 officer",
            "执法证号 certificate",
            "所属单位 unit",
            "检查数 inspections",
            "任组长 as leader",
            "检查天数 days",
        ],
        [
            [*who[oid], load[oid], leads[oid], len(days[oid])]
            for oid in sorted(who, key=lambda o: (who[o][0], who[o][2]))
        ],
    )
    schedule_sheet = Sheet(
        "schedule",
        "日程 schedule",
        ["日期 date", "镇街 town", "检查数 inspections", "执法人员数 officers"],
        [
            [day, town, n, len(officers_day_town[day, code])]
            for (day, town, code), n in sorted(by_day_town.items())
        ],
    )
    report = plan_report(session, plan)
    scope = report["scope"]
    rules_sheet = Sheet("rules", "规则 rules", ["项目 field", "中文", "English"])
    add = rules_sheet.rows.append
    add(["计划 plan", f"{plan.code} {plan.name}", f"{plan.code} {plan.name}"])
    lead = scope["lead_body"]
    add(
        [
            "牵头主体 lead body",
            f"{lead['code']} {lead['name_zh']}",
            f"{lead['code']} {lead['name_en']}",
        ]
    )
    for item in scope["items"]:
        add(
            [
                "检查事项 item",
                f"{item['code']} {item['name_zh']}",
                f"{item['code']} {item['name_en']}",
            ]
        )
    window = f"{scope['window']['start']} .. {scope['window']['end']}"
    add(["检查期间 window", window, window])
    for rule in report["rules_text"]:
        add(["规则 rule", rule["zh"], rule["en"]])
    commitment = report["commitment"] or {}
    for key in (
        "algorithm",
        "population_digest",
        "population_keys_digest",
        "strata_key_commitment",
    ):
        if commitment.get(key):
            add([key, commitment[key], commitment[key]])
    if report["seed"]:
        add(["种子 seed", report["seed"], report["seed"]])
    for s in report["strata"]:
        rule = f"{s['ratio_bp'] / 100:g}%" if s["ratio_bp"] is not None else f"{s['count']}"
        add(
            [
                f"分层 stratum {s['stratum']}",
                f"总数 {s['size']}，{rule}，抽取 {s['k']}",
                f"N {s['size']}, {rule}, k {s['k']}",
            ]
        )
    return [insp_sheet, team_sheet, work_sheet, schedule_sheet, rules_sheet]


def export_plan(session: Session, code: str, actor: Actor, out: str | Path, fmt: str) -> list[Path]:
    """Write the plan export: `xlsx` to the file `out`, or `csv` into the folder `out`
    (one `CODE-SHEET.csv` per sheet). Returns the paths written. Staff who may view the
    plan only; writes nothing to the database."""
    if fmt not in FORMATS:
        raise Invalid(
            Msg(f"未知格式 {fmt}，应为 xlsx 或 csv", f"unknown format {fmt}: xlsx or csv"),
            field="format",
        )
    plan = require_plan(session, code, actor, VIEW)
    sheets = plan_sheets(session, plan)
    out = Path(out)
    try:
        if fmt == "xlsx":
            if out.suffix.lower() != ".xlsx":
                raise Invalid(
                    Msg(
                        f"输出文件应以 .xlsx 结尾：{out}",
                        f"the output file should end in .xlsx: {out}",
                    ),
                    field="out",
                )
            write_xlsx(out, sheets)
            return [out]
        if out.exists() and not out.is_dir():
            raise Invalid(
                Msg(f"{out} 不是文件夹", f"{out} is not a folder: csv writes one file per sheet"),
                field="out",
            )
        return write_csv_dir(out, plan.code, sheets)
    except OSError as exc:
        raise Invalid(
            Msg(f"无法写入 {out}：{exc.strerror}", f"cannot write {out}: {exc.strerror}"),
            field="out",
        ) from None
