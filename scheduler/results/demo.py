"""The demo's published plan (`flask demo load --plan`): a plan of the market-supervision
bureau around today, published, so that the demo officer login has real assignments and
the public portal has disclosed results. Uses the services, as a planner would."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.models import Assignment, Inspection, Officer, User
from scheduler.plans import create, draw, matching, public, scheduling
from scheduler.plans.core import get_plan
from scheduler.results import lifecycle
from scheduler.results.core import ResultInput

DEMO_SEED = "20261201314159265358979323846"


def demo_plan_file(today: dt.date) -> dict:
    start, end = today - dt.timedelta(days=28), today + dt.timedelta(days=28)
    return {
        "code": f"SC-{today.year}-D01",
        "name": f"{today.year}年演示抽查计划（企业信息公示及登记事项）",
        "lead_body": "SC",
        "bodies": ["SC"],
        "items": ["SC-01", "SC-05"],
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "filters": {"towns": []},
        "strata": {"by": "credit_class", "counts": {"A": 40, "B": 20, "C": 10, "D": 6}},
        "team_size": {"SC": 2},
        "cap_per_officer": 30,
        "mode": "balanced",
        "cross_jurisdiction": False,
        "exclusions": {"months_since_last": None, "max_per_year": None},
        "key_supervision": {"flagged": False},
    }


def publish_demo_plan(session, actor: Actor, today: dt.date, officer_login: str = "officer"):
    """Create, draw, match, schedule and publish the demo plan; record and disclose the
    results of past visits (except the demo officer's, left to enter); link the demo
    officer login to an officer of the plan if its own officer got no assignment.
    Returns (plan, cert_no of the demo officer, number of his or her inspections)."""
    data = demo_plan_file(today)
    code = data["code"]
    create.create_plan(session, data, actor)
    draw.freeze(session, code, actor)
    draw.set_seed(session, code, DEMO_SEED, actor)
    draw.draw(session, code, actor)
    matching.match(session, code, actor)
    scheduling.schedule(session, code, actor)
    public.publish(session, code, actor)
    plan = get_plan(session, code)
    load = (
        select(Assignment.officer_id, func.count())
        .join(Inspection, Inspection.id == Assignment.inspection_id)
        .where(Inspection.plan_id == plan.id, Assignment.active)
        .group_by(Assignment.officer_id)
    )
    counts = dict(session.execute(load).all())
    user = session.scalar(select(User).where(User.username == officer_login))
    cert = None
    if user is not None:
        if not counts.get(user.officer_id):
            taken = set(
                session.scalars(select(User.officer_id).where(User.officer_id.is_not(None)))
            )
            best = max(
                (oid for oid in counts if oid not in taken),
                key=lambda oid: (counts[oid], -oid),
            )
            user.officer_id = best
            session.flush()
        cert = session.get(Officer, user.officer_id).cert_no
    inspections = session.scalars(
        select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.uscc)
    ).all()
    for n, insp in enumerate(inspections):
        if insp.visit_date is None or insp.visit_date >= today:
            continue
        team = [
            c
            for c in session.scalars(
                select(Officer.cert_no)
                .join(Assignment, Assignment.officer_id == Officer.id)
                .where(Assignment.inspection_id == insp.id, Assignment.active)
                .order_by(Assignment.cost)
            )
        ]
        if cert in team:
            continue
        if n % 5 == 0:
            result = ResultInput(
                ["CORRECTED"], insp.visit_date, "未按规定公示年度报告，现场责令改正", "已责令改正"
            )
        else:
            result = ResultInput(["OK"], insp.visit_date, "", "未发现问题")
        lifecycle.enter(session, code, insp.uscc, result, actor, by=team[0], today=today)
        lifecycle.review(session, code, insp.uscc, "approve", actor)
    lifecycle.disclose(session, code, actor, all_approved=True)
    return plan, cert, counts.get(user.officer_id, 0) if user is not None else 0
