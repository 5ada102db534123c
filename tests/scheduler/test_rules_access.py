"""Who may do what with a plan (权限与范围), the whole matrix, through the services.

From the house rules: a planner sees only the plans his or her body takes part in and
runs the steps of those it leads; admins and auditors view every plan but run no step;
an officer sees no plan as such; the command line (system) may do everything. A plan the
actor may not see is "not found" (404), whatever the reason; one the actor may see but
not change is "forbidden" (403), and neither changes anything.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from scheduler.actors import Actor
from scheduler.errors import Forbidden, NotFound
from scheduler.plans import create, draw
from scheduler.plans.core import require_plan
from tests.districts import SYSTEM, District, plan_data

CODE = "SC-2027-101"  # led by SC, joined by ZF
LEAD = Actor("sc-planner", "planner", body="SC")
JOINED = Actor("zf-planner", "planner", body="ZF")
OTHER = Actor("hb-planner", "planner", body="HB")
NO_BODY = Actor("lost-planner", "planner")
ADMIN = Actor("admin1", "admin")
AUDITOR = Actor("audit1", "auditor")
OFFICER = Actor("off1", "officer", body="SC", cert_no="RTSC000001")
ANON = Actor.anonymous("visitor")

# actor -> (view, manage): "ok", "forbidden" (403) or "not_found" (404)
MATRIX = {
    "lead planner": (LEAD, "ok", "ok"),
    "participating planner": (JOINED, "ok", "forbidden"),
    "planner of another body": (OTHER, "not_found", "not_found"),
    "planner without a body": (NO_BODY, "not_found", "not_found"),
    "admin": (ADMIN, "ok", "forbidden"),
    "auditor": (AUDITOR, "ok", "forbidden"),
    "officer": (OFFICER, "not_found", "not_found"),
    "anonymous": (ANON, "not_found", "not_found"),
    "system": (SYSTEM, "ok", "ok"),
}
RAISES = {"forbidden": Forbidden, "not_found": NotFound}


@pytest.fixture
def joint_draft(db_session):
    d = District(db_session)
    d.entity()
    d.commit()
    data = plan_data(bodies=["SC", "ZF"], items=["SC-01", "ZF-01"], team_size={"SC": 2, "ZF": 2})
    create.create_plan(db_session, data, SYSTEM)
    db_session.commit()


def _state(db_session) -> str:
    return db_session.execute(
        text("SELECT state FROM plan WHERE code = :c"), {"c": CODE}
    ).scalar_one()


@pytest.mark.parametrize("who", list(MATRIX))
def test_view_and_manage_matrix(db_session, joint_draft, who):
    actor, view, manage = MATRIX[who]
    if view == "ok":
        assert require_plan(db_session, CODE, actor, "view").code == CODE
    else:
        with pytest.raises(RAISES[view]):
            require_plan(db_session, CODE, actor, "view")
    if manage == "ok":
        draw.freeze(db_session, CODE, actor, force=True)  # access, not capacity
        assert _state(db_session) == "frozen"
    else:
        with pytest.raises(RAISES[manage]) as info:
            draw.freeze(db_session, CODE, actor, force=True)
        db_session.rollback()
        assert info.value.status == (403 if manage == "forbidden" else 404)
        assert _state(db_session) == "draft"


def test_a_refused_plan_looks_like_a_missing_one(db_session, joint_draft):
    with pytest.raises(NotFound) as hidden:
        require_plan(db_session, CODE, OTHER, "view")
    with pytest.raises(NotFound) as missing:
        require_plan(db_session, "SC-2027-999", OTHER, "view")
    assert hidden.value.code == missing.value.code
    assert str(hidden.value).replace(CODE, "X") == str(missing.value).replace("SC-2027-999", "X")


def test_unknown_action_is_a_programming_error(db_session, joint_draft):
    with pytest.raises(ValueError):
        require_plan(db_session, CODE, LEAD, "delete")


@pytest.mark.parametrize(
    ("actor", "lead", "allowed"),
    [
        (LEAD, "SC", True),
        (LEAD, "ZF", False),
        (NO_BODY, "SC", False),
        (ADMIN, "SC", False),
        (AUDITOR, "SC", False),
        (OFFICER, "SC", False),
        (SYSTEM, "ZF", True),
    ],
)
def test_only_a_planner_creates_and_only_for_his_or_her_body(db_session, actor, lead, allowed):
    District(db_session).entity()
    db_session.commit()
    data = plan_data(
        code=f"{lead}-2027-101",
        lead_body=lead,
        bodies=[lead],
        items=["SC-01"] if lead == "SC" else ["ZF-01"],
        team_size={lead: 2},
    )
    if allowed:
        assert create.create_plan(db_session, data, actor).code == data["code"]
    else:
        with pytest.raises(Forbidden):
            create.create_plan(db_session, data, actor)
        db_session.rollback()
        count = db_session.execute(text("SELECT count(*) FROM plan")).scalar_one()
        assert count == 0


# ------------------------------------------------------------------ team changes


@pytest.fixture
def matched_pair(db_session):
    """Two matched plans of SC (teams of two): the first and the second."""
    from tests.districts import run_plan

    d = District(db_session)
    e1 = d.entity()
    e2 = d.entity()
    for _ in range(3):
        d.officer()
    d.commit()
    run_plan(db_session, plan_data(), until="matched")
    run_plan(db_session, plan_data(code="SC-2027-102"), until="matched")
    return e1, e2


def _team(db_session, code, uscc):
    return sorted(
        r[0]
        for r in db_session.execute(
            text(
                "SELECT o.cert_no FROM assignment a JOIN officer o ON o.id = a.officer_id "
                "JOIN inspection i ON i.id = a.inspection_id JOIN plan p ON p.id = i.plan_id "
                "WHERE p.code = :c AND i.uscc = :u AND a.active = :t"
            ),
            {"c": code, "u": uscc, "t": True},
        )
    )


def _replace(db_session, actor, uscc, cert_no, reason, code=CODE):
    from scheduler.plans import recusal

    return recusal.replace_member(db_session, code, uscc, cert_no, reason, "x", actor)


@pytest.mark.parametrize(
    ("who", "outcome"),
    [
        ("lead planner", "ok"),
        ("participating planner", "not_found"),  # this plan is SC's alone
        ("planner of another body", "not_found"),
        ("admin", "forbidden"),
        ("auditor", "forbidden"),
        ("system", "ok"),
    ],
)
def test_who_may_change_a_team(db_session, matched_pair, who, outcome):
    from scheduler.models import AssignmentEnd

    e1, _ = matched_pair
    actor = MATRIX[who][0]
    member = _team(db_session, CODE, e1.uscc)[0]
    before = _team(db_session, CODE, e1.uscc)
    if outcome == "ok":
        _replace(db_session, actor, e1.uscc, member, AssignmentEnd.UNAVAILABLE)
        assert member not in _team(db_session, CODE, e1.uscc)
        return
    with pytest.raises(RAISES[outcome]):
        _replace(db_session, actor, e1.uscc, member, AssignmentEnd.RECUSAL_ENTITY)
    db_session.rollback()
    assert _team(db_session, CODE, e1.uscc) == before


def test_an_officer_recuses_only_himself_only_on_his_own_active_inspections(
    db_session, matched_pair
):
    from scheduler.models import AssignmentEnd

    e1, e2 = matched_pair
    team = _team(db_session, CODE, e1.uscc)
    me = Actor("rt-officer", "officer", body="SC", cert_no=team[0])
    colleague = team[1]
    with pytest.raises(Forbidden):  # a colleague
        _replace(db_session, me, e1.uscc, colleague, AssignmentEnd.RECUSAL_OFFICER)
    db_session.rollback()
    with pytest.raises(Forbidden):  # speaking for the entity
        _replace(db_session, me, e1.uscc, team[0], AssignmentEnd.RECUSAL_ENTITY)
    db_session.rollback()
    if team[0] not in _team(db_session, CODE, e2.uscc):  # not his inspection: 404
        with pytest.raises(NotFound):
            _replace(db_session, me, e2.uscc, team[0], AssignmentEnd.RECUSAL_OFFICER)
        db_session.rollback()
    outsider = Actor("rt-other", "officer", body="SC", cert_no="RTSC999999")
    with pytest.raises(NotFound):  # on no team of the plan: the plan does not exist to him
        _replace(db_session, outsider, e1.uscc, "RTSC999999", AssignmentEnd.RECUSAL_OFFICER)
    db_session.rollback()
    assert _team(db_session, CODE, e1.uscc) == team
    _replace(db_session, me, e1.uscc, team[0], AssignmentEnd.RECUSAL_OFFICER)
    db_session.commit()
    assert team[0] not in _team(db_session, CODE, e1.uscc)
    # Once off the team (the row ended, not deleted), the inspection is no longer his.
    with pytest.raises(NotFound):
        _replace(db_session, me, e1.uscc, team[0], AssignmentEnd.RECUSAL_OFFICER)
    db_session.rollback()
