"""Regression: the full demo district's market-supervision plan of the issue "every
accepted match can be scheduled" (items SC-01/05/08/10/11, March-April 2027 with the
official calendar, credit-class strata 3/5/10/20 %, teams of 2, cap 200, balanced, no
exclusions, seed 57721566490153286060651) is matched and scheduled, and its schedule
keeps every rule. Slow (the whole district: about 30 s); it stays in CI on purpose."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.demo_loader import load_demo
from scheduler.models import Assignment, Inspection, LeavePeriod, Officer
from scheduler.plans import create, draw, matching, scheduling
from scheduler.workdays import import_official, working_days

ADMIN = Actor.system("cli")
SEED = "57721566490153286060651"
PLAN = {
    "code": "SC-2027-015",
    "name": "2027年一季度市场监管随机抽查",
    "lead_body": "SC",
    "bodies": ["SC"],
    "items": ["SC-01", "SC-05", "SC-08", "SC-10", "SC-11"],
    "window": {"start": "2027-03-01", "end": "2027-04-30"},
    "filters": {"towns": []},
    "strata": {"by": "credit_class", "ratios_bp": {"A": 300, "B": 500, "C": 1000, "D": 2000}},
    "team_size": {"SC": 2},
    "cap_per_officer": 200,
    "mode": "balanced",
    "cross_jurisdiction": False,
    "exclusions": {"months_since_last": None, "max_per_year": None},
}


def test_issue_plan_matches_and_schedules(db_session):
    load_demo(db_session, seed=1, actor=ADMIN)
    import_official(
        db_session,
        2027,
        [
            (dt.date(2027, 3, 15), False, "假日"),
            (dt.date(2027, 4, 5), False, "清明节"),
            (dt.date(2027, 3, 28), True, "调休上班"),
        ],
        ADMIN,
    )
    db_session.commit()
    create.create_plan(db_session, PLAN, ADMIN)
    draw.freeze(db_session, PLAN["code"], ADMIN)
    draw.set_seed(db_session, PLAN["code"], SEED, ADMIN)
    draw.draw(db_session, PLAN["code"], ADMIN)
    plan = matching.match(db_session, PLAN["code"], ADMIN)
    assert plan.match_summary["assignments"] == 2 * 12_647
    plan = scheduling.schedule(db_session, PLAN["code"], ADMIN)
    db_session.commit()
    assert plan.state == "scheduled"

    days = set(working_days(db_session, plan.window_start, plan.window_end).days)
    assert dt.date(2027, 3, 28) in days and dt.date(2027, 3, 15) not in days
    leave = {}
    for lp in db_session.scalars(select(LeavePeriod)):
        leave.setdefault(lp.officer_id, []).append((lp.starts_on, lp.ends_on))
    per_day, total = Counter(), Counter()
    for visit, officer in db_session.execute(
        select(Inspection.visit_date, Officer)
        .join(Assignment, Assignment.inspection_id == Inspection.id)
        .join(Officer, Officer.id == Assignment.officer_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
    ):
        assert visit in days
        assert officer.cert_valid_from <= visit <= officer.cert_valid_to
        assert not any(s <= visit <= e for s, e in leave.get(officer.id, []))
        per_day[officer.id, visit] += 1
        total[officer.id] += 1
    assert max(per_day.values()) <= plan.rules.get("cap_per_day", 4)
    assert max(total.values()) <= plan.match_summary["cap"]
