"""The plan report behind `flask plan show`: scope, rules, commitment, strata, match,
schedule and history, in both languages, times in China Standard Time, no entity's class."""

import datetime as dt
import json
import re
import statistics

from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.models import Assignment, AuditEvent, Entity, Inspection
from scheduler.plans import create, draw, matching, scheduling
from scheduler.plans.core import get_plan
from scheduler.plans.report import plan_report, report_lines
from tests.scheduler.plans.test_sealed import class_pairs

ACTOR = Actor.system("test")
SEED = "27182818284590452353602874"
CODE = "SC-2027-001"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _scheduled(db_session, plan_file, **overrides):
    create.create_plan(db_session, plan_file(**overrides), ACTOR)
    draw.freeze(db_session, CODE, ACTOR)
    draw.set_seed(db_session, CODE, SEED, ACTOR)
    draw.draw(db_session, CODE, ACTOR)
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    return get_plan(db_session, CODE)


def test_report_of_a_scheduled_sealed_plan(db_session, small_district, plan_file):
    plan = _scheduled(db_session, plan_file)
    report = plan_report(db_session, plan)
    json.dumps(report)  # JSON-ready
    assert report["sealed"] and report["algorithm"] == "hmac-sha256-bottom-k/1"
    assert report["scope"]["lead_body"]["code"] == "SC"
    assert [i["code"] for i in report["scope"]["items"]] == ["SC-01", "SC-05", "SC-10"]
    assert report["commitment"] == draw.commitment(plan)
    assert report["seed"] == SEED
    assert [s["stratum"] for s in report["strata"]] == ["A", "B", "C", "D"]

    inspections = db_session.scalars(select(Inspection).where(Inspection.plan_id == plan.id)).all()
    active = db_session.scalars(select(Assignment).where(Assignment.active)).all()
    match = report["match"]
    assert match["teams"] == len(inspections) and match["members"] == len(active)
    assert match["leaders"] == len(inspections)  # one leader per team in a single-body plan
    loads = {}
    for a in active:
        loads[a.officer_id] = loads.get(a.officer_id, 0) + 1
    w = match["workload"]["SC"]
    assert (w["min"], w["max"]) == (min(loads.values()), max(loads.values()))
    assert w["median"] == statistics.median(loads.values()) and w["officers"] == len(loads)
    assert match["short_teams"] == []

    days = report["schedule"]["visits_per_day"]
    assert sum(d["visits"] for d in days) == len(inspections)
    assert [d["date"] for d in days] == sorted({i.visit_date.isoformat() for i in inspections})

    kinds = [h["event"] for h in report["history"]]
    assert kinds == [
        "plan_created",
        "plan_frozen",
        "plan_seeded",
        "plan_drawn",
        "plan_matched",
        "plan_scheduled",
    ]
    # Stored in UTC, shown in China Standard Time.
    frozen = db_session.scalar(select(AuditEvent.at).where(AuditEvent.kind == "plan_frozen"))
    shown = (frozen + dt.timedelta(hours=8)).strftime("%Y-%m-%d %H:%M:%S +08:00")
    assert report["history"][1]["at"] == shown
    assert report["frozen_at"] == (plan.frozen_at + dt.timedelta(hours=8)).strftime(
        "%Y-%m-%d %H:%M:%S +08:00"
    )
    # No entity's class and no strata key anywhere in it.
    classes = dict(db_session.execute(select(Entity.uscc, Entity.credit_class)).all())
    assert class_pairs(report, classes) == []
    assert plan.strata_key not in json.dumps(report)


def test_report_lines_chinese_and_english(db_session, small_district, plan_file):
    plan = _scheduled(db_session, plan_file, key_supervision={"flagged": True})
    report = plan_report(db_session, plan)
    zh, en = report_lines(report, "zh"), report_lines(report, "en")
    for heading in ("范围", "规则", "承诺（冻结时公布）", "种子", "分层", "匹配", "排期"):
        assert heading in zh
    for heading in ("Scope", "Rules", "Commitment (published at the freeze)", "Seed", "Match"):
        assert heading in en
    # English lines carry no Chinese except names given in Chinese (the plan's own name).
    assert not [line for line in en[1:] if CJK.search(line)]
    assert any("分层保密" in line for line in zh)
    assert any(report["commitment"]["strata_key_commitment"] in line for line in en)
    added = report["key_supervision_added"]
    assert added == len(plan.freeze_summary["key_supervision"]) > 0
    assert f"  key supervision (added on top): {added}" in en
    assert any(line.startswith("  SC workload:") for line in en)
    # The 2027 window has no official calendar in the test database: the warning is given.
    assert report["schedule"]["provisional"]
    assert any("provisional calendar" in line for line in en)
    assert any("临时日历" in line for line in zh)
    for line in zh + en:
        assert "{'" not in line and "[(" not in line and "None" not in line


def test_report_of_a_draft_and_of_an_open_plan(db_session, small_district, plan_file):
    create.create_plan(
        db_session,
        plan_file(strata={"by": "town", "ratios_bp": {"TJ": 500, "HX": 500, "CH": 500, "LK": 500}}),
        ACTOR,
    )
    plan = get_plan(db_session, CODE)
    report = plan_report(db_session, plan)
    assert report["commitment"] is None and report["match"] is None and not report["sealed"]
    assert "  not frozen yet" in report_lines(report, "en")
    assert any("按镇街分层" in line for line in report_lines(report, "zh"))
    draw.freeze(db_session, CODE, ACTOR)
    report = plan_report(db_session, get_plan(db_session, CODE))
    assert report["algorithm"] == "sha256-bottom-k/1"
    assert "strata_key_commitment" not in report["commitment"]
    assert sorted(s["stratum"] for s in report["strata"]) == ["CH", "HX", "LK", "TJ"]
