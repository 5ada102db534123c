"""Fixtures of the portal tests: published plans on the small district."""

import datetime as dt

import pytest

from scheduler.actors import Actor
from scheduler.plans import create, draw, matching, public, scheduling
from scheduler.plans.core import get_plan

ACTOR = Actor.system("test")
SEED = "27182818284590452353602874"


def publish_plan(db_session, plan_file, code="SC-2027-001", **overrides):
    """Create, freeze, seed, draw, match, schedule and publish a plan; return it."""
    base = dict(
        code=code,
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": True},
    )
    base.update(overrides)
    create.create_plan(db_session, plan_file(**base), ACTOR)
    draw.freeze(db_session, code, ACTOR)
    draw.set_seed(db_session, code, SEED, ACTOR)
    draw.draw(db_session, code, ACTOR)
    matching.match(db_session, code, ACTOR)
    scheduling.schedule(db_session, code, ACTOR)
    public.publish(db_session, code, ACTOR)
    db_session.commit()
    return get_plan(db_session, code)


@pytest.fixture(name="publish_plan")
def publish_plan_fixture():
    """`publish_plan(db_session, plan_file, code=..., **plan file overrides)`."""
    return publish_plan


@pytest.fixture
def portal_plans(db_session, small_district, plan_file):
    """A sealed (credit class) plan SC-2027-001 and an open plan SC-2027-002 (one stratum),
    both published, and a third plan SC-2027-003 only drawn (not public)."""
    sealed = publish_plan(db_session, plan_file)
    sealed.published_at -= dt.timedelta(days=1)  # published the day before the open plan
    db_session.commit()
    open_plan = publish_plan(
        db_session,
        plan_file,
        code="SC-2027-002",
        name="2027年第二批随机抽查",
        strata={"by": "none", "ratios_bp": {"ALL": 400}},
        window={"start": "2027-05-06", "end": "2027-06-30"},
    )
    create.create_plan(
        db_session,
        plan_file(code="SC-2027-003", name="未公示计划", key_supervision={"flagged": False}),
        ACTOR,
    )
    draw.freeze(db_session, "SC-2027-003", ACTOR)
    draw.set_seed(db_session, "SC-2027-003", SEED, ACTOR)
    draw.draw(db_session, "SC-2027-003", ACTOR)
    db_session.commit()
    return {"sealed": sealed, "open": open_plan, "hidden": get_plan(db_session, "SC-2027-003")}


RESULT_TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def disclosed(db_session, small_district, plan_file):
    """A published plan SC-2026-009 (window September-October 2026) with results: the first
    inspection disclosed with a problem (findings text confidential), the second disclosed
    with no problem, the third submitted and returned with a review note, the rest not
    entered. Returns (plan, inspections by uscc)."""
    from sqlalchemy import select

    from scheduler.models import Inspection
    from scheduler.plans.queries import team_of
    from scheduler.results import lifecycle as lc
    from scheduler.results.core import ResultInput

    plan = publish_plan(
        db_session,
        plan_file,
        code="SC-2026-009",
        name="2026年第九批随机抽查",
        window={"start": "2026-09-01", "end": "2026-10-30"},
        strata={"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 1}},
        key_supervision={"flagged": False},
    )
    insps = db_session.scalars(
        select(Inspection).where(Inspection.plan_id == plan.id).order_by(Inspection.uscc)
    ).all()
    planner = Actor("plan1", "planner", "SC")
    inputs = [
        ResultInput(
            ["CORRECTED", "NOT_DISCLOSED"],
            dt.date(2026, 9, 16),
            "招牌未按规定公示（内部记录）",
            "已责令改正",
        ),
        ResultInput(["OK"], dt.date(2026, 10, 9), "现场一切正常（内部记录）", "未发现问题"),
        ResultInput(["OK"], dt.date(2026, 10, 12), "待复核（内部记录）", "未发现问题"),
    ]
    for insp, data in zip(insps, inputs, strict=False):
        cert = team_of(db_session, insp.id)[0].officer.cert_no
        officer = Actor(f"o{cert}", "officer", "SC", cert)
        lc.enter(db_session, plan.code, insp.uscc, data, officer, today=RESULT_TODAY)
    for insp in insps[:2]:
        lc.review(db_session, plan.code, insp.uscc, "approve", planner)
        lc.disclose(db_session, plan.code, planner, uscc=insp.uscc)
    lc.review(db_session, plan.code, insps[2].uscc, "return", planner, reason="照片不清晰，请补充")
    db_session.commit()
    return plan, insps
