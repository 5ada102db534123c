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
        draw.freeze(db_session, CODE, actor)
        assert _state(db_session) == "frozen"
    else:
        with pytest.raises(RAISES[manage]) as info:
            draw.freeze(db_session, CODE, actor)
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
