"""Creating a plan: the plan file's checks, by field, and nothing written on a bad file."""

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.errors import Msg, PlanError
from scheduler.models import Plan
from scheduler.plans import create

ACTOR = Actor.system("test")


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_validates_and_names_every_problem(db_session, small_district, plan_file):
    bad = plan_file(
        lead_body="SC",
        bodies=["SC", "XX"],
        items=["SC-01", "NOPE", "HB-01"],
        filters={"towns": ["TJ", "ZZ"]},
        exclusions={"entities": [{"uscc": "91370282MA3C5T4R2M", "reason": "testing"}]},
    )
    with pytest.raises(PlanError) as err:
        create.create_plan(db_session, bad, ACTOR)
    text = str(err.value)
    for fragment in ("'XX'", "'NOPE'", "HB-01", "'ZZ'", "91370282MA3C5T4R2M"):
        assert fragment in text
    assert _count(db_session, Plan) == 0


@pytest.mark.parametrize(
    "change,fragment",
    [
        ({"window": {"start": "2027-05-01", "end": "2027-04-30"}}, "window.end"),
        ({"strata": {"by": "credit_class", "ratios_bp": {"A": 300}}}, "strata"),
        (
            {"strata": {"by": "credit_class", "ratios_bp": {"A": 1, "B": 1, "C": 1, "D": 10001}}},
            "D",
        ),
        ({"strata": {"by": "credit_class", "counts": {}, "ratios_bp": {}}}, "exactly one"),
        ({"team_size": {"SC": 1}}, "team_size"),
        ({"mode": "random", "cap_per_officer": None}, "cap_per_officer"),
        ({"code": "bad code"}, "code"),
        ({"items": []}, "items"),
    ],
)
def test_create_rejects_bad_plan_files(db_session, plan_file, change, fragment):
    with pytest.raises(PlanError) as err:
        create.create_plan(db_session, plan_file(**change), ACTOR)
    assert fragment in str(err.value)


def test_validate_plan_returns_messages_by_field_and_writes_nothing(
    db_session, small_district, plan_file
):
    from scheduler.plans.create import validate_plan

    assert validate_plan(db_session, plan_file()) == {}
    problems = validate_plan(
        db_session,
        plan_file(
            items=["SC-01", "NOPE"],
            window={"start": "2027-05-01", "end": "2027-04-30"},
        ),
    )
    # The form is checked first: the window's end is reported against its own field.
    assert set(problems) == {"window.end"}
    assert problems["window.end"][0].en == "the window ends before it starts"
    problems = validate_plan(
        db_session, plan_file(items=["SC-01", "NOPE"], filters={"towns": ["ZZ"]})
    )
    assert {f: [m.en for m in ms] for f, ms in problems.items()} == {
        "items": ["unknown item code 'NOPE'"],
        "filters.towns": ["unknown town code 'ZZ'"],
    }
    assert all(m.zh for ms in problems.values() for m in ms)
    missing = validate_plan(db_session, {"code": "SC-1"})
    assert missing["name"][0] == Msg("缺少必填项", "Missing data for required field.")
    assert _count(db_session, Plan) == 0
