"""Scope rules in the services: each refusal, its status, and that nothing changed."""

import io

import pytest
from sqlalchemy import func, select

from scheduler.access import MANAGE, VIEW
from scheduler.actors import Actor
from scheduler.errors import Forbidden, InspectionNotFound, NotFound, PlanNotFound
from scheduler.exporters import export_directory
from scheduler.importers import import_directory
from scheduler.models import AssignmentEnd, AuditEvent, Inspection, Plan
from scheduler.plans import create, draw, matching, queries, recusal
from scheduler.plans.core import get_plan, require_plan
from scheduler.users import create_user
from scheduler.workdays import import_official

SYSTEM = Actor.system("test")
SC_PLANNER = Actor("planner-sc", "planner", body="SC")
ZF_PLANNER = Actor("planner-zf", "planner", body="ZF")
HB_PLANNER = Actor("planner-hb", "planner", body="HB")
AUDITOR = Actor("auditor", "auditor")
ADMIN = Actor("admin", "admin")
SEED = "16180339887498948482045868"
CODE = "SC-2027-001"
JOINT = "JOINT-2027-T"


def _events(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def joint(db_session, small_district, plan_file):
    """A joint plan led by SC with ZF taking part, created by SC's planner."""
    data = plan_file(code=JOINT, bodies=["SC", "ZF"], items=["SC-11", "ZF-02"])
    plan = create.create_plan(db_session, data, SC_PLANNER)
    db_session.commit()
    return plan


def test_planner_of_another_body_does_not_see_the_plan(db_session, joint):
    with pytest.raises(PlanNotFound) as hidden:
        require_plan(db_session, JOINT, HB_PLANNER, VIEW)
    with pytest.raises(PlanNotFound) as missing:
        require_plan(db_session, "NOPE-1", HB_PLANNER, VIEW)
    # A guessed code tells nothing: same status, code and wording as a plan that is not there.
    assert hidden.value.status == missing.value.status == 404
    assert hidden.value.code == missing.value.code == "plan_not_found"
    assert str(hidden.value).replace(JOINT, "X") == str(missing.value).replace("NOPE-1", "X")
    events = _events(db_session)
    with pytest.raises(PlanNotFound):
        draw.freeze(db_session, JOINT, HB_PLANNER)
    db_session.rollback()
    assert get_plan(db_session, JOINT).state == "draft" and _events(db_session) == events


def test_joint_plan_participant_views_but_only_the_lead_changes(db_session, joint):
    assert require_plan(db_session, JOINT, ZF_PLANNER, VIEW).code == JOINT
    summary = queries.summary(db_session, require_plan(db_session, JOINT, ZF_PLANNER, VIEW))
    assert summary["bodies"] == ["SC", "ZF"]
    with pytest.raises(Forbidden) as err:
        draw.freeze(db_session, JOINT, ZF_PLANNER)
    assert err.value.status == 403 and "SC" in str(err.value)
    db_session.rollback()
    assert get_plan(db_session, JOINT).state == "draft"
    plan = draw.freeze(db_session, JOINT, SC_PLANNER, force=True)  # no ZF officers here
    assert plan.state == "frozen"
    kinds = db_session.scalars(
        select(AuditEvent).where(AuditEvent.subject == JOINT).order_by(AuditEvent.id)
    ).all()
    assert [(e.kind, e.actor, e.payload["actor_role"]) for e in kinds] == [
        ("plan_created", "planner-sc", "planner"),
        ("plan_capacity_forced", "planner-sc", "planner"),
        ("plan_frozen", "planner-sc", "planner"),
    ]


@pytest.mark.parametrize("actor", [AUDITOR, ADMIN], ids=["auditor", "admin"])
def test_auditor_and_admin_read_plans_but_never_run_a_step(db_session, joint, actor):
    assert require_plan(db_session, JOINT, actor, VIEW).code == JOINT
    with pytest.raises(Forbidden):
        require_plan(db_session, JOINT, actor, MANAGE)
    with pytest.raises(Forbidden):
        draw.freeze(db_session, JOINT, actor)
    db_session.rollback()
    assert get_plan(db_session, JOINT).state == "draft"


@pytest.mark.parametrize(
    "actor", [AUDITOR, ADMIN, Actor("o", "officer", "SC", "1")], ids=["auditor", "admin", "officer"]
)
def test_only_planners_create_plans(db_session, small_district, plan_file, actor):
    with pytest.raises(Forbidden) as err:
        create.create_plan(db_session, plan_file(), actor)
    assert err.value.status == 403
    assert db_session.scalar(select(func.count()).select_from(Plan)) == 0


def test_a_planner_creates_only_plans_his_body_leads(db_session, small_district, plan_file):
    with pytest.raises(Forbidden) as err:
        create.create_plan(db_session, plan_file(), ZF_PLANNER)
    assert err.value.field == "lead_body"
    assert db_session.scalar(select(func.count()).select_from(Plan)) == 0


def test_auditor_and_planners_write_no_directory_user_or_calendar(db_session):
    for actor in (AUDITOR, SC_PLANNER):
        with pytest.raises(Forbidden):
            create_user(db_session, "x1", "password-1", "auditor", actor=actor)
        with pytest.raises(Forbidden):
            import_directory(db_session, "entities", "e.csv", b"uscc\n", actor)
        with pytest.raises(Forbidden):
            import_official(db_session, 2027, [], actor)
    create_user(db_session, "x1", "password-1", "auditor", actor=ADMIN)
    # Exports are confidential (phones, conflict notes): administrators and auditors only.
    assert export_directory(db_session, "officers", io.BytesIO(), "csv", AUDITOR) >= 0
    with pytest.raises(Forbidden):
        export_directory(db_session, "officers", io.BytesIO(), "csv", SC_PLANNER)


@pytest.fixture
def matched(db_session, small_district, plan_file):
    data = plan_file(
        strata={"by": "credit_class", "counts": {"A": 3, "B": 2, "C": 1, "D": 1}},
        exclusions={"months_since_last": None, "max_per_year": None},
        key_supervision={"flagged": False},
        # Room for a replacement whatever the (sealed, keyed) draw: balanced mode's
        # smallest cap may leave no officer free to step in, which is not what these
        # access tests are about.
        mode="random",
        cap_per_officer=30,
    )
    create.create_plan(db_session, data, SC_PLANNER)
    draw.freeze(db_session, CODE, SC_PLANNER)
    draw.set_seed(db_session, CODE, SEED, SC_PLANNER)
    draw.draw(db_session, CODE, SC_PLANNER)
    matching.match(db_session, CODE, SC_PLANNER)
    db_session.commit()
    inspections = db_session.scalars(select(Inspection).order_by(Inspection.uscc)).all()
    teams = {
        i.uscc: [a.officer.cert_no for a in queries.team_of(db_session, i.id)] for i in inspections
    }
    return teams


def _officer(cert_no: str) -> Actor:
    return Actor(f"officer-{cert_no}", "officer", "SC", cert_no)


def test_officer_recuses_himself_on_his_own_inspection(db_session, matched):
    uscc, team = next(iter(matched.items()))
    me = _officer(team[0])
    new = recusal.replace_member(
        db_session, CODE, uscc, me.cert_no, AssignmentEnd.RECUSAL_OFFICER, "亲属", me
    )
    db_session.commit()
    assert new is not None and new.officer.cert_no not in team
    event = db_session.scalars(
        select(AuditEvent).where(AuditEvent.kind == "team_member_replaced")
    ).one()
    assert (event.actor, event.payload["actor_role"]) == (me.name, "officer")


def test_officer_may_not_recuse_a_colleague_or_speak_for_the_entity(db_session, matched):
    uscc, team = next(iter(matched.items()))
    me = _officer(team[0])
    for cert_no, reason in (
        (team[1], AssignmentEnd.RECUSAL_OFFICER),
        (me.cert_no, AssignmentEnd.RECUSAL_ENTITY),
        (me.cert_no, AssignmentEnd.UNAVAILABLE),
    ):
        with pytest.raises(Forbidden) as err:
            recusal.replace_member(db_session, CODE, uscc, cert_no, reason, "x", me)
        assert err.value.status == 403
        db_session.rollback()
    # An officer sees his or her inspections, never a plan as a whole: plan steps are 404.
    with pytest.raises(PlanNotFound):
        recusal.remove_unavailable(db_session, CODE, me.cert_no, "x", me)
    db_session.rollback()
    assert matched == {
        i.uscc: [a.officer.cert_no for a in queries.team_of(db_session, i.id)]
        for i in db_session.scalars(select(Inspection).order_by(Inspection.uscc))
    }


def test_officer_guessing_an_inspection_or_a_plan_gets_404(db_session, matched):
    first, team = next(iter(matched.items()))
    me = _officer(team[0])
    other = next(u for u, t in matched.items() if me.cert_no not in t)
    with pytest.raises(InspectionNotFound) as err:
        recusal.replace_member(
            db_session, CODE, other, me.cert_no, AssignmentEnd.RECUSAL_OFFICER, "x", me
        )
    assert err.value.status == 404
    # An officer on no team of the plan learns nothing about it, not even that it exists.
    stranger = _officer("37028299999999")
    assert not any(stranger.cert_no in t for t in matched.values())
    with pytest.raises(PlanNotFound) as hidden:
        recusal.replace_member(
            db_session, CODE, first, stranger.cert_no, AssignmentEnd.RECUSAL_OFFICER, "x", stranger
        )
    with pytest.raises(PlanNotFound) as missing:
        recusal.replace_member(
            db_session,
            "NOPE-1",
            first,
            stranger.cert_no,
            AssignmentEnd.RECUSAL_OFFICER,
            "x",
            stranger,
        )
    assert str(hidden.value).replace(CODE, "X") == str(missing.value).replace("NOPE-1", "X")
    with pytest.raises(NotFound):
        require_plan(db_session, CODE, me, VIEW)
