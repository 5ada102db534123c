"""Creating a draft plan (抽查计划草稿) from a plan file (see `scheduler.plans.plan_file`).

`validate_plan` returns the problems by field without writing anything, so that a form
can show each next to its field; `create_plan` runs the same checks and adds the plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from scheduler import access
from scheduler.actors import Actor
from scheduler.audit import EventKind, now_utc, record
from scheduler.db import chunks
from scheduler.errors import Msg, PlanError
from scheduler.models import (
    Body,
    Entity,
    EntityStatus,
    Item,
    ListKind,
    Plan,
    PlanListedEntity,
    PlanState,
    Role,
    Town,
    plan_body,
    plan_item,
)
from scheduler.plans.plan_file import PlanFileSchema, field_errors, resolve_names, to_rules
from scheduler.workdays import working_days

FieldErrors = dict[str | None, list[Msg]]  # dotted field path (None: the whole file) -> messages


@dataclass
class _Checked:
    loaded: dict | None
    errors: FieldErrors = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    bodies: dict[str, Body] = field(default_factory=dict)
    listed: list[tuple[ListKind, dict]] = field(default_factory=list)

    def add(self, path: str | None, zh: str, en: str) -> None:
        self.errors.setdefault(path, []).append(Msg(zh, en))


def _check(session: Session, data: dict) -> _Checked:
    """The plan file's form, then its references against the directory (no writes)."""
    try:
        loaded = PlanFileSchema().load(data)
    except ValidationError as exc:
        return _Checked(None, field_errors(exc.messages))
    out = _Checked(loaded)
    resolve_names(
        loaded,
        _code_or_name(session.execute(select(Body.code, Body.name_zh))),
        _code_or_name(session.execute(select(Town.code, Town.name_zh))),
    )
    if session.scalar(select(Plan.id).where(Plan.code == loaded["code"])):
        out.add("code", f"计划编号 {loaded['code']} 已存在", f"plan code {loaded['code']} exists")
    window = loaded["window"]
    if not working_days(session, window["start"], window["end"]).days:
        out.add(
            "window",
            f"检查期 {window['start']} 至 {window['end']} 没有工作日，无法安排任何检查",
            f"the window {window['start']} .. {window['end']} has no working day: no "
            "inspection could be scheduled in it",
        )
    out.bodies = {b.code: b for b in session.scalars(select(Body))}
    for code in loaded["bodies"]:
        if code not in out.bodies:
            path = "lead_body" if code == loaded["lead_body"] else "bodies"
            out.add(path, f"未知执法主体 {code!r}", f"unknown body code {code!r}")
    for code in loaded["team_size"]:
        if code not in loaded["bodies"]:
            out.add(
                "team_size", f"{code!r} 不在参与主体中", f"{code!r} is not one of the plan's bodies"
            )
    items_by_code = {i.code: i for i in session.scalars(select(Item))}
    for code in loaded["items"]:
        item = items_by_code.get(code)
        if item is None:
            out.add("items", f"未知抽查事项 {code!r}", f"unknown item code {code!r}")
        elif item.body.code not in loaded["bodies"]:
            out.add(
                "items",
                f"{code} 属于 {item.body.code}，不在参与主体中",
                f"{code} belongs to {item.body.code}, which is not one of the plan's bodies",
            )
        else:
            out.items.append(item)
    if len(set(loaded["items"])) != len(loaded["items"]):
        out.add("items", "抽查事项重复", "an item is listed twice")
    towns = set(session.scalars(select(Town.code)))
    for code in loaded["filters"]["towns"]:
        if code not in towns:
            out.add("filters.towns", f"未知镇街 {code!r}", f"unknown town code {code!r}")
    strata = loaded["strata"]
    if strata["by"] == "credit_class_item":
        for label in strata.get("ratios_bp") or strata.get("counts"):
            cls, _, item_code = label.partition(":")
            if (
                cls not in "ABCD"
                or len(cls) != 1
                or (item_code and item_code not in loaded["items"])
            ):
                out.add(
                    "strata",
                    f"分层标签 {label!r} 应为 A-D 或 A-D:事项编号",
                    f"{label!r}: a label is a class letter A-D or CLASS:ITEM with an item "
                    "of the plan",
                )
    labels = set(strata.get("ratios_bp") or strata.get("counts"))
    if strata["by"] == "item" and labels != set(loaded["items"]):
        out.add(
            "strata",
            f"按事项分层须为本计划的每个事项给出规则，此处为 {sorted(labels)}",
            f"by item gives a rule for each of the plan's items {sorted(loaded['items'])}, "
            f"got {sorted(labels)}",
        )
    if strata["by"] == "town":
        unknown = sorted(labels - towns)
        if unknown:
            out.add(
                "strata",
                f"分层标签中有未知镇街编号：{'、'.join(unknown)}",
                f"unknown town codes as strata labels: {', '.join(unknown)}",
            )
    out.listed = [(ListKind.EXCLUDE, e) for e in loaded["exclusions"]["entities"]] + [
        (ListKind.KEY, e) for e in loaded["key_supervision"]["entities"]
    ]
    paths = {ListKind.EXCLUDE: "exclusions.entities", ListKind.KEY: "key_supervision.entities"}
    known = _existing_usccs(session, [e["uscc"] for _, e in out.listed])
    for kind, entry in out.listed:
        if entry["uscc"] not in known:
            out.add(
                paths[kind],
                f"名录库中没有 {entry['uscc']}",
                f"not in the directory: {entry['uscc']}",
            )
    key_usccs = [e["uscc"] for kind, e in out.listed if kind == ListKind.KEY]
    for uscc, status, etype, industry in session.execute(
        select(Entity.uscc, Entity.status, Entity.type, Entity.industry).where(
            Entity.uscc.in_(key_usccs)
        )
    ).all():
        if status != EntityStatus.ACTIVE.value:
            out.add(
                paths[ListKind.KEY],
                f"{uscc} 状态为 {status}，不能检查",
                f"{uscc} is {status}, not active",
            )
        elif not any(it.fits(etype, industry) for it in out.items):
            out.add(
                paths[ListKind.KEY],
                f"{uscc} 不属于本计划任何检查事项的对象",
                f"{uscc} fits none of the plan's items (entity type or industry), so no body "
                "could inspect it",
            )
    return out


def validate_plan(session: Session, data: dict) -> FieldErrors:
    """Every problem of a plan file by dotted field path (None: the file as a whole); empty
    when `create_plan` would accept it. Writes nothing."""
    return _check(session, data).errors


def create_plan(session: Session, data: dict, actor: Actor) -> Plan:
    """Validate a plan file and add the draft plan; raise `PlanError` (code `plan_invalid`)
    with one detail per problem, each naming its field. Only a planner creates plans, and
    only plans his or her body leads (`Forbidden` otherwise)."""
    access.require_role(actor, Role.PLANNER, action=Msg("创建抽查计划", "create plans"))
    checked = _check(session, data)
    if checked.errors:
        raise PlanError(
            Msg("计划文件有误", "the plan file is invalid"),
            [
                {"field": path, "message": msg}
                for path, msgs in checked.errors.items()
                for msg in msgs
            ],
        )
    loaded, bodies = checked.loaded, checked.bodies
    access.check_plan_create(actor, loaded["lead_body"])
    plan = Plan(
        code=loaded["code"],
        name=loaded["name"],
        lead_body_id=bodies[loaded["lead_body"]].id,
        state=PlanState.DRAFT.value,
        window_start=loaded["window"]["start"],
        window_end=loaded["window"]["end"],
        rules=to_rules(loaded),
        created_at=now_utc(),
        created_by=actor.name,
    )
    session.add(plan)
    session.flush()
    session.execute(
        insert(plan_item),
        [
            {"plan_id": plan.id, "item_id": it.id, "position": n}
            for n, it in enumerate(checked.items)
        ],
    )
    session.execute(
        insert(plan_body), [{"plan_id": plan.id, "body_id": bodies[c].id} for c in loaded["bodies"]]
    )
    for kind, entry in checked.listed:
        session.add(
            PlanListedEntity(
                plan_id=plan.id, uscc=entry["uscc"], kind=kind.value, reason=entry["reason"]
            )
        )
    record(session, EventKind.PLAN_CREATED, actor, subject=plan.code, file=_jsonable(data))
    session.flush()
    session.expire(plan, ["items", "bodies"])
    return plan


def _code_or_name(rows) -> dict[str, str]:
    """code -> code, plus Chinese name -> code where the name is unique and not a code."""
    rows = list(rows)
    out = {code: code for code, _ in rows}
    names: dict[str, list[str]] = {}
    for code, name in rows:
        names.setdefault(name, []).append(code)
    out.update({n: c[0] for n, c in names.items() if len(c) == 1 and n not in out})
    return out


def _jsonable(data: dict) -> dict:
    return json.loads(json.dumps(data, default=str))


def _existing_usccs(session: Session, usccs: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks(usccs):
        found.update(session.scalars(select(Entity.uscc).where(Entity.uscc.in_(chunk))))
    return found
