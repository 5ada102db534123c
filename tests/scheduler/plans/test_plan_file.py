"""The plan file as users make it: typos in keys, encodings, names, bounds, hostile bytes."""

import json

import pytest
from sqlalchemy import func, select

from scheduler.actors import Actor
from scheduler.errors import PlanError, PlanNotFound
from scheduler.models import Plan
from scheduler.plans import create
from scheduler.plans.core import get_plan
from scheduler.plans.plan_file import (
    MAX_DEPTH,
    MAX_PLAN_FILE_BYTES,
    PlanFileSchema,
    is_plan_code,
    read_plan_file,
)

ACTOR = Actor.system("test")


def _problems(db_session, data) -> dict[str, list[str]]:
    found = create.validate_plan(db_session, data)
    return {path: [m.en for m in msgs] for path, msgs in found.items()}


# ---------------------------------------------------------------------------- keys


@pytest.mark.parametrize(
    "change,path,fragment",
    [
        ({"cross_jurisdicton": True}, "cross_jurisdicton", "did you mean 'cross_jurisdiction'?"),
        ({"Mode": "random"}, "Mode", "did you mean 'mode'?"),
        (
            {"window": {"start": "2027-03-01", "end": "2027-04-30", "ends": "2027-05-01"}},
            "window.ends",
            "did you mean 'end'?",
        ),
        (
            {"strata": {"by": "credit_class", "count": {"A": 1, "B": 1, "C": 1, "D": 1}}},
            "strata.count",
            "did you mean 'counts'?",
        ),
        (
            {"exclusions": {"entities": [{"uscc": "91370282MA3C5T4R2M", "resaon": "x"}]}},
            "exclusions.entities.0.resaon",
            "did you mean 'reason'?",
        ),
        ({"zzzz": 1}, "zzzz", "known keys:"),
    ],
)
def test_unknown_keys_are_named_with_the_nearest_known_key(
    db_session, plan_file, change, path, fragment
):
    problems = _problems(db_session, plan_file(**change))
    assert path in problems, problems
    assert any(fragment in m for m in problems[path]), problems[path]


def test_unknown_key_message_is_bilingual(db_session, plan_file):
    found = create.validate_plan(db_session, plan_file(cross_jurisdicton=True))
    (msg,) = found["cross_jurisdicton"]
    assert "cross_jurisdiction" in msg.zh and "是否应为" in msg.zh


def test_key_supervision_default_is_explicit():
    loaded = PlanFileSchema().load(
        {
            "code": "SC-1",
            "name": "x",
            "lead_body": "SC",
            "items": ["SC-01"],
            "window": {"start": "2027-03-01", "end": "2027-03-31"},
            "strata": {"by": "none", "counts": {"ALL": 1}},
        }
    )
    assert loaded["key_supervision"] == {"flagged": True, "entities": []}


# ---------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    "change,path",
    [
        ({"window": {"start": "1999-12-31", "end": "2000-01-31"}}, "window.start"),
        ({"window": {"start": "2100-12-01", "end": "2101-01-01"}}, "window.end"),
        ({"window": {"start": "2027-01-01", "end": "2030-01-01"}}, "window.end"),
        ({"cap_per_officer": 10**12}, "cap_per_officer"),
        (
            {"strata": {"by": "credit_class", "counts": {"A": 10**9, "B": 1, "C": 1, "D": 1}}},
            "strata.counts.A.value",
        ),
        ({"items": ["SC-01"] * 501}, "items"),
        ({"name": "x" * 257}, "name"),
        ({"code": "SC-2027-001\n"}, "code"),
        ({"code": 'SC"1'}, "code"),
        ({"code": "S" * 40}, "code"),
        ({"cap_per_officer": 2.5}, "cap_per_officer"),
    ],
)
def test_numbers_dates_and_codes_are_bounded(db_session, plan_file, change, path):
    problems = _problems(db_session, plan_file(**change))
    assert path in problems, problems


def test_plan_codes_match_the_whole_pattern():
    assert is_plan_code("SC-2027-001")
    for bad in ("SC-2027-001\n", "sc-1", "-SC", "S", "S" * 33, 'SC"1', "SC 1", "\x00", None, 7):
        assert not is_plan_code(bad), bad


def test_a_non_code_is_not_found_without_touching_the_database():
    with pytest.raises(PlanNotFound) as err:
        get_plan(None, "\x00")  # a session would be needed for any query
    assert err.value.status == 404
    with pytest.raises(PlanNotFound):
        get_plan(None, "SC-1' OR 1=1 --")


def test_portal_answers_404_for_hostile_codes(client):
    for url in (
        "/plans/%00/commitment.json",
        "/plans/%00/bundle.json",
        "/plans/SC%0A1/commitment.json",
        "/plans/" + "A" * 40 + "/commitment.json",
        "/plans/SC-NOPE/commitment.json",
    ):
        resp = client.get(url)
        assert resp.status_code == 404, url
        assert "Traceback" not in resp.get_data(as_text=True)


# ---------------------------------------------------------------------------- names


def test_bodies_and_towns_by_chinese_name(db_session, small_district, plan_file):
    data = plan_file(
        lead_body="区市场监督管理局",
        bodies=["区市场监督管理局"],
        team_size={"区市场监督管理局": 3},
        filters={"towns": ["通济街道", "HX"]},
    )
    assert create.validate_plan(db_session, data) == {}
    plan = create.create_plan(db_session, data, ACTOR)
    assert plan.lead_body.code == "SC"
    assert [b.code for b in plan.bodies] == ["SC"]
    assert plan.rules["team_size"] == {"SC": 3}
    assert plan.rules["filters"]["towns"] == ["HX", "TJ"]


def test_unknown_body_name_is_reported(db_session, small_district, plan_file):
    problems = _problems(db_session, plan_file(lead_body="区不存在局", bodies=[]))
    assert "lead_body" in problems


# ---------------------------------------------------------------------------- reading


def _bytes(data: dict, encoding="utf-8") -> bytes:
    return json.dumps(data, ensure_ascii=False).encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_plan_file_encodings_accepted(plan_file, encoding):
    assert read_plan_file(_bytes(plan_file(), encoding)) == plan_file()


@pytest.mark.parametrize(
    "data,fragment",
    [
        ('{"code": "SC-1"}'.encode("utf-16"), "UTF-16"),
        (b'{"code": "SC\x00-1"}', "NUL"),
        (b'{"code": "SC\\u0000-1"}', "NUL"),
        (b'{"\\u0000": 1}', "NUL"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), "deeper"),
        (b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "deeper"),
        (b"[" * 1_000_000, ""),
        (b'{"code": 1, "code": 2}', "twice"),
        (b'{"cap_per_officer": NaN}', "invalid number"),
        (b'{"cap_per_officer": ' + b"9" * 5000 + b"}", "invalid number"),
        (b"[1, 2]", "JSON object"),
        (b'{"code": "SC-1",\n "name": }', "line 2"),
        (b"", "not valid JSON"),
        (b" " * (MAX_PLAN_FILE_BYTES + 1), "too large"),
        ('{"name": "中文"}'.encode() + '\n{"x": "中文"}'.encode("gbk"), "mixed"),
    ],
)
def test_hostile_plan_files_are_refused_cleanly(data, fragment):
    with pytest.raises(PlanError) as err:
        read_plan_file(data)
    text = str(err.value)
    assert fragment in text
    assert err.value.code == "plan_file_unreadable"
    assert "JSON object" in text and "计划文件" in text  # states the expected format


def test_cli_creates_from_a_gbk_plan_file_and_refuses_typos(
    app, db_session, small_district, plan_file, tmp_path
):
    runner = app.test_cli_runner()
    path = tmp_path / "plan.json"
    path.write_bytes(_bytes(plan_file(cross_jurisdicton=True), "gbk"))
    result = runner.invoke(args=["plan", "create", "--from", str(path)])
    assert result.exit_code == 1
    assert "did you mean 'cross_jurisdiction'?" in result.output
    assert "Traceback" not in result.output
    assert db_session.scalar(select(func.count()).select_from(Plan)) == 0
    path.write_bytes(_bytes(plan_file(), "gbk"))
    result = runner.invoke(args=["plan", "create", "--from", str(path)])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(Plan.name)) == plan_file()["name"]
