"""Match settings changed after the draw (`flask plan set`), the match history, and the
balanced mode's reserve."""

import csv
import io
import zlib

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.errors import Invalid, MatchInfeasible, PlanStateError
from scheduler.models import Assignment, AuditEvent, PlanMatchHistory, PlanMatchInput
from scheduler.plans import matching, scheduling, settings
from scheduler.plans.core import get_plan

ACTOR = Actor.system("test")
CODE = "SC-2027-001"


def _count(db_session, model):
    return db_session.scalar(select(func.count()).select_from(model))


def test_a_failed_match_leaves_the_plan_drawn_and_its_settings_editable(
    db_session, small_district, plan_file, drawn
):
    # The dead end: a cap of 1 drawn anyway; before, nothing but a new plan could fix it.
    drawn(db_session, plan_file, mode="random", cap_per_officer=1)
    with pytest.raises(MatchInfeasible):
        matching.match(db_session, CODE, ACTOR)
    db_session.rollback()
    assert get_plan(db_session, CODE).state == "drawn"
    plan, changed, history = settings.change(
        db_session, CODE, ["cap_per_officer=5"], "上限过低 / cap too low", ACTOR
    )
    db_session.commit()
    assert changed == {"cap_per_officer": (1, 5)} and history is None
    assert plan.state == "drawn" and plan.rules["cap_per_officer"] == 5
    plan = matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    assert plan.state == "matched" and plan.match_summary["cap"] == 5
    event = db_session.scalar(select(AuditEvent).where(AuditEvent.kind == "plan_settings_changed"))
    assert event.payload["changed"] == {"cap_per_officer": {"old": 1, "new": 5}}
    assert event.payload["reason"] == "上限过低 / cap too low"
    assert event.payload["match_dropped"] is False


def test_changing_a_matched_plan_keeps_the_old_match_in_the_history(
    db_session, small_district, plan_file, drawn, assignment_problems
):
    drawn(db_session, plan_file)
    first = matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    old_summary = dict(first.match_summary)
    n_rows = _count(db_session, Assignment)
    assert n_rows == old_summary["assignments"] > 0
    plan, changed, history = settings.change(
        db_session,
        CODE,
        ["team_size.SC=3", "cross_jurisdiction=true", "mode=random"],
        "三人一组 / teams of three",
        ACTOR,
    )
    db_session.commit()
    assert changed == {
        "team_size.SC": (2, 3),
        "cross_jurisdiction": (False, True),
        "mode": ("balanced", "random"),
    }
    assert plan.state == "drawn" and plan.match_summary is None and plan.matched_at is None
    assert _count(db_session, Assignment) == 0 and _count(db_session, PlanMatchInput) == 0
    kept = db_session.get(PlanMatchHistory, history.id)
    assert kept.match_summary == old_summary and kept.reason == "三人一组 / teams of three"
    rows = list(csv.DictReader(io.StringIO(zlib.decompress(kept.assignments_zlib).decode())))
    assert len(rows) == n_rows and {r["body"] for r in rows} == {"SC"}
    assert kept.problem_npz is not None
    # Match again with the new settings: teams of three, everyone outside his or her town.
    plan = matching.match(db_session, CODE, ACTOR)
    db_session.commit()
    assert plan.match_summary["assignments"] == 3 * (n_rows // 2)
    assert assignment_problems(db_session, get_plan(db_session, CODE)) == []


@pytest.mark.parametrize(
    ("pairs", "field", "wording"),
    [
        (["cap_per_offcer=5"], "cap_per_offcer", "did you mean cap_per_officer?"),
        (["team_size.ZF=3"], "team_size.ZF", "ZF is not one of the plan's bodies (SC)"),
        (["team_size.SC=1"], "team_size.SC", "must be 2-10, not 1"),
        (["cap_per_day=lots"], "cap_per_day", "expected a whole number, not 'lots'"),
        (["mode=fast"], "mode", "must be balanced or random"),
        (["cross_jurisdiction=maybe"], "cross_jurisdiction", "must be true or false"),
        (["mode=random", "cap_per_officer=none"], "cap_per_officer", "needs a cap per officer"),
        (["cap_per_officer"], "cap_per_officer", "expected key=value"),
    ],
)
def test_bad_settings_name_the_key(
    db_session, small_district, plan_file, drawn, pairs, field, wording
):
    drawn(db_session, plan_file)
    with pytest.raises(Invalid) as err:
        settings.change(db_session, CODE, pairs, "reason", ACTOR)
    assert err.value.field == field and wording in str(err.value)
    db_session.rollback()
    assert get_plan(db_session, CODE).rules["team_size"] == {"SC": 2}


def test_settings_need_a_reason_and_a_plan_not_yet_scheduled(
    db_session, small_district, plan_file, drawn
):
    drawn(db_session, plan_file)
    with pytest.raises(Invalid) as err:
        settings.change(db_session, CODE, ["cap_per_officer=9"], "  ", ACTOR)
    assert err.value.field == "reason"
    db_session.rollback()
    matching.match(db_session, CODE, ACTOR)
    scheduling.schedule(db_session, CODE, ACTOR)
    db_session.commit()
    with pytest.raises(PlanStateError):
        settings.change(db_session, CODE, ["cap_per_officer=9"], "late", ACTOR)


def test_balanced_cap_keeps_a_reserve_within_the_planners_cap():
    assert matching.balanced_cap(24, 30) == 27  # + 10 %, rounded up
    assert matching.balanced_cap(5, None) == 6  # at least one
    assert matching.balanced_cap(29, 30) == 30  # never above the planner's cap
    assert matching.balanced_cap(30, 30) == 30
    assert matching.balanced_cap(100, None) == 110


def test_balanced_match_reports_its_reserve_and_slack(db_session, small_district, plan_file, drawn):
    drawn(db_session, plan_file, cap_per_officer=None)
    plan = matching.match(db_session, CODE, ACTOR)
    s = plan.match_summary
    assert s["reserve"] >= 1 and s["cap"] == s["smallest_feasible_cap"] + s["reserve"]
    built = matching.build_problem(db_session, plan)
    problem = built.problem.with_cap(s["cap"])
    assert s["cap_slack"] == matching.slack_by_body(problem)
    # 8 officers, each at most min(cap, eligible inspections), minus the 2-officer teams.
    n_inspections = len(built.inspections)
    assert s["cap_slack"]["SC"] == min(8 * s["cap"], 8 * n_inspections) - 2 * n_inspections
