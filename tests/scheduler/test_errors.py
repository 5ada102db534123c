"""The error family: one base, stable codes and statuses, bilingual messages and details."""

import pytest

from scheduler import errors
from scheduler.errors import FairdrawError, Msg, PlanError

DOMAIN = [
    (errors.PlanError, 422, "plan_invalid"),
    (errors.PlanNotFound, 404, "plan_not_found"),
    (errors.PlanStateError, 409, "plan_state"),
    (errors.InspectionNotFound, 404, "inspection_not_found"),
    (errors.ScheduleInfeasible, 409, "schedule_infeasible"),
    (errors.UserError, 422, "user_invalid"),
    (errors.CalendarError, 422, "calendar_invalid"),
    (errors.FileProblem, 422, "file_unreadable"),
    (errors.DemoNotEmpty, 409, "demo_not_empty"),
    (errors.Forbidden, 403, "forbidden"),
    (errors.TooLarge, 413, "too_large"),
    (errors.BadRequest, 400, "bad_request"),
]


@pytest.mark.parametrize("cls,status,code", DOMAIN, ids=lambda v: getattr(v, "__name__", v))
def test_every_domain_error_has_a_status_and_a_code(cls, status, code):
    err = cls(Msg("中文", "English"))
    assert isinstance(err, FairdrawError)
    assert (err.status, err.code) == (status, code)
    assert str(err) == "中文 / English"


def test_plan_errors_are_caught_as_plan_errors_and_by_their_generic_kind():
    missing = errors.PlanNotFound.of("X-1")
    infeasible = errors.MatchInfeasible(Msg("无", "none"), [], {"why": 1})
    for err in (missing, infeasible, errors.PlanStateError(Msg("态", "state"))):
        with pytest.raises(PlanError):
            raise err
    assert isinstance(missing, errors.NotFound)
    assert isinstance(infeasible, errors.StateConflict) and infeasible.diagnosis == {"why": 1}


def test_msg_picks_one_language_and_prints_both_chinese_first():
    msg = Msg("计划不存在", "no such plan")
    assert str(msg) == "计划不存在 / no such plan"
    assert (msg.text("zh"), msg.text("en"), msg.text("en-GB"), msg.text(None)) == (
        "计划不存在",
        "no such plan",
        "no such plan",
        "计划不存在",
    )
    with pytest.raises(TypeError):
        FairdrawError("a plain string is not a message")


def test_details_name_fields_and_cells_in_both_languages_and_in_the_envelope():
    err = errors.Invalid(
        Msg("文件有误", "the file is invalid"),
        [
            {"field": "items", "message": Msg("未知事项", "unknown item")},
            {
                "row": 3,
                "cell": "B3",
                "column": "name",
                "value": "x" * 70,
                "message": Msg("过长", "too long"),
            },
            Msg("另一个问题", "another problem"),
        ],
        field="file",
    )
    lines = str(err).splitlines()
    assert lines[0] == "文件有误 / the file is invalid"
    assert lines[1] == "  - items: 未知事项 / unknown item"
    assert lines[2] == f"  - 第 3 行 / row 3 B3 [name] “{'x' * 57}...”: 过长 / too long"
    assert lines[3] == "  - 另一个问题 / another problem"
    entries = err.entries("en")
    assert entries[0] == {"code": "invalid", "message": "the file is invalid", "field": "file"}
    assert entries[1] == {"code": "invalid", "message": "unknown item", "field": "items"}
    assert entries[2]["row"] == 3 and entries[2]["value"] == "x" * 70
    assert entries[3] == {"code": "invalid", "message": "another problem", "field": None}
