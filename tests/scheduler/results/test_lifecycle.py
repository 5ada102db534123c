"""The result lifecycle: every transition, every refusal, versions kept, the plan closing."""

import datetime as dt

import pytest
from sqlalchemy import select

from scheduler.actors import Actor
from scheduler.errors import (
    Forbidden,
    InspectionNotFound,
    Invalid,
    PlanNotFound,
    PlanStateError,
    StateConflict,
    TooLarge,
)
from scheduler.models import AuditEvent, Inspection, ResultVersion
from scheduler.results import lifecycle as lc
from scheduler.results import queries
from scheduler.results.core import ResultInput

from .conftest import ACTOR, CODE, TODAY

OK = ResultInput(["OK"], dt.date(2026, 9, 15), "", "未发现问题")
FOUND = ResultInput(
    ["CORRECTED", "NOT_DISCLOSED"], dt.date(2026, 9, 16), "招牌未公示", "已责令改正"
)


def officer(cert):
    return Actor(f"o{cert}", "officer", "SC", cert)


PLANNER = Actor("plan1", "planner", "SC")
ALL_CERTS = [f"3702820100{i:04d}" for i in range(8)]  # the small district's officers


def kinds(db_session):
    return db_session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)).all()


def test_enter_submit_approve_disclose_and_the_audit_trail(db_session, published):
    plan, insps, teams = published
    u = insps[0].uscc
    me = officer(teams[u][0])
    r = lc.save_draft(db_session, CODE, u, FOUND, me, today=TODAY)
    assert r.state == "draft"
    r = lc.submit(db_session, CODE, u, me, today=TODAY)
    assert r.state == "submitted"
    v = lc.current_version(r)
    assert v.submitted_by == me.cert_no and {c.code for c in v.categories} == {
        "CORRECTED",
        "NOT_DISCLOSED",
    }
    r = lc.review(db_session, CODE, u, "approve", PLANNER)
    assert r.state == "approved"
    lc.disclose(db_session, CODE, PLANNER, uscc=u)
    db_session.commit()
    db_session.refresh(r)
    assert r.state == "disclosed" and r.disclosed_no == 1
    assert lc.current_version(r).disclosed_at is not None
    assert kinds(db_session)[-4:] == [
        "result_saved",
        "result_submitted",
        "result_approved",
        "result_disclosed",
    ]
    # the date actually carried out now drives the deadline: 20 working days after it
    insp = db_session.get(Inspection, insps[0].id)
    assert insp.done_on == dt.date(2026, 9, 16)
    import chinese_calendar

    day, left = insp.done_on, 20
    while left:
        day += dt.timedelta(days=1)
        left -= chinese_calendar.is_workday(day)
    assert insp.disclosure_due == day > dt.date(2026, 10, 14)  # the October holiday counts


def test_return_needs_a_reason_and_goes_back_to_the_team(db_session, published):
    plan, insps, teams = published
    u = insps[1].uscc
    me = officer(teams[u][1])
    lc.enter(db_session, CODE, u, OK, me, today=TODAY)
    with pytest.raises(Invalid) as err:
        lc.review(db_session, CODE, u, "return", PLANNER, reason=" ")
    assert err.value.field == "reason"
    r = lc.review(db_session, CODE, u, "return", PLANNER, reason="日期有误")
    assert r.state == "returned" and lc.current_version(r).return_reason == "日期有误"
    with pytest.raises(StateConflict):
        lc.review(db_session, CODE, u, "approve", PLANNER)  # not submitted any more
    fixed = ResultInput(["OK"], dt.date(2026, 9, 18), "", "")
    r = lc.save_draft(db_session, CODE, u, fixed, me, today=TODAY)
    assert r.state == "draft" and r.current_no == 1  # same version until disclosed
    lc.submit(db_session, CODE, u, me, today=TODAY)
    assert lc.review(db_session, CODE, u, "approve", PLANNER).state == "approved"


def test_wrong_states_are_refused_and_change_nothing(db_session, published):
    plan, insps, teams = published
    u = insps[2].uscc
    me = officer(teams[u][0])
    for call in (
        lambda: lc.submit(db_session, CODE, u, me, today=TODAY),
        lambda: lc.review(db_session, CODE, u, "approve", PLANNER),
        lambda: lc.disclose(db_session, CODE, PLANNER, uscc=u),
    ):
        with pytest.raises(StateConflict) as err:
            call()
        assert "not entered" in err.value.message.en
    lc.enter(db_session, CODE, u, OK, me, today=TODAY)
    with pytest.raises(StateConflict):
        lc.submit(db_session, CODE, u, me, today=TODAY)  # already submitted
    with pytest.raises(StateConflict):
        lc.disclose(db_session, CODE, PLANNER, uscc=u)  # not approved
    lc.review(db_session, CODE, u, "approve", PLANNER)
    with pytest.raises(StateConflict) as err:
        lc.save_draft(db_session, CODE, u, FOUND, me, today=TODAY)  # approved: locked
    assert err.value.code == "result_state"


def test_incomplete_or_invalid_results_are_refused_by_field(db_session, published):
    plan, insps, teams = published
    u = insps[3].uscc
    me = officer(teams[u][0])
    lc.save_draft(db_session, CODE, u, ResultInput(["PENDING"]), me, today=TODAY)
    with pytest.raises(Invalid) as err:
        lc.submit(db_session, CODE, u, me, today=TODAY)
    fields = {d["field"] for d in err.value.details}
    assert fields == {"inspected_on", "findings"}
    bad = [
        (ResultInput(["OK", "PENDING"], dt.date(2026, 9, 2)), "categories"),
        (ResultInput(["NOPE"], dt.date(2026, 9, 2)), "categories"),
        (ResultInput(["OK"], dt.date(2026, 12, 2)), "inspected_on"),  # after today
        (ResultInput(["OK"], dt.date(2026, 8, 2)), "inspected_on"),  # before the window
        (
            ResultInput(["PENDING"], dt.date(2026, 9, 2), "x", "", "y", dt.date(2026, 9, 1)),
            "follow_up_due",
        ),
    ]
    for data, field in bad:
        with pytest.raises(Invalid) as err:
            lc.save_draft(db_session, CODE, u, data, me, today=TODAY)
        assert [d["field"] for d in err.value.details] == [field]
    with pytest.raises(Invalid) as err:
        ResultInput.from_strings("OK", "2026/09/02")
    assert err.value.details[0]["field"] == "inspected_on"


def test_correction_after_disclosure_is_a_new_version_and_keeps_the_old(db_session, published):
    plan, insps, teams = published
    u = insps[0].uscc
    me = officer(teams[u][0])
    lc.enter(db_session, CODE, u, OK, me, today=TODAY)
    lc.review(db_session, CODE, u, "approve", PLANNER)
    lc.disclose(db_session, CODE, PLANNER, uscc=u)
    r = lc.save_draft(db_session, CODE, u, FOUND, me, today=TODAY)
    assert r.current_no == 2 and r.disclosed_no == 1 and r.state == "draft"
    # the public still sees version 1 until the correction is disclosed
    hist = queries.entity_history(db_session, u)
    assert [c["code"] for c in hist[0]["categories"]] == ["OK"] and not hist[0]["corrected"]
    lc.submit(db_session, CODE, u, me, today=TODAY)
    lc.review(db_session, CODE, u, "approve", PLANNER)
    lc.disclose(db_session, CODE, PLANNER, uscc=u)
    db_session.commit()
    versions = db_session.scalars(
        select(ResultVersion).where(ResultVersion.result_id == r.id).order_by(ResultVersion.number)
    ).all()
    assert [v.number for v in versions] == [1, 2]
    assert [c.code for c in versions[0].categories] == ["OK"]  # the earlier version is intact
    assert versions[0].disclosed_at is not None and versions[1].kind == "correction"
    hist = queries.entity_history(db_session, u)
    assert hist[0]["corrected"] and hist[0]["version"] == 2
    assert [e["version"] for e in hist[0]["earlier"]] == [1]
    assert "招牌" not in repr(hist)  # findings never reach a public read


def test_follow_up_entry_is_its_own_kind(db_session, published):
    plan, insps, teams = published
    u = insps[0].uscc
    me = officer(teams[u][0])
    lc.enter(db_session, CODE, u, FOUND, me, today=TODAY)
    lc.review(db_session, CODE, u, "approve", PLANNER)
    lc.disclose(db_session, CODE, PLANNER, uscc=u)
    r = lc.save_draft(db_session, CODE, u, FOUND, me, follow_up=True, today=TODAY)
    assert lc.current_version(r).kind == "follow_up"


def test_scope_guessed_ids_other_officers_other_bodies(db_session, published, make_uscc):
    plan, insps, teams = published
    u = insps[0].uscc
    outsider = next(c for c in ALL_CERTS if c not in teams[u])
    with pytest.raises(InspectionNotFound):
        lc.save_draft(db_session, CODE, u, OK, officer(outsider), today=TODAY)
    with pytest.raises((InspectionNotFound, PlanNotFound)):
        lc.save_draft(db_session, CODE, make_uscc(99999), OK, officer(teams[u][0]), today=TODAY)
    with pytest.raises(PlanNotFound):
        lc.save_draft(db_session, "SC-9999-001", u, OK, officer(teams[u][0]), today=TODAY)
    stranger = Actor("p2", "planner", "FDA")  # a planner of a body not in the plan
    with pytest.raises(PlanNotFound):
        lc.review(db_session, CODE, u, "approve", stranger)
    lc.enter(db_session, CODE, u, OK, officer(teams[u][0]), today=TODAY)
    with pytest.raises(Forbidden):
        lc.review(db_session, CODE, u, "approve", officer(teams[u][1]))  # officers don't review
    other = insps[1].uscc
    not_member = next(c for c in ALL_CERTS if c not in teams[other])
    with pytest.raises(Invalid) as err:
        lc.enter(db_session, CODE, other, OK, ACTOR, by=not_member, today=TODAY)
    assert err.value.code == "not_on_team"


def test_disclose_all_approved_closes_the_plan_with_cancellations(db_session, published):
    plan, insps, teams = published
    *rest, last = insps
    for i in rest:
        lc.enter(db_session, CODE, i.uscc, OK, ACTOR, by=teams[i.uscc][0], today=TODAY)
        lc.review(db_session, CODE, i.uscc, "approve", ACTOR)
    done = lc.disclose(db_session, CODE, PLANNER, all_approved=True)
    assert len(done) == len(rest) and plan.state == "published"
    assert queries.plan_progress(db_session, plan)["by_state"]["disclosed"] == len(rest)
    with pytest.raises(Invalid):
        lc.cancel_inspection(db_session, CODE, last.uscc, "", PLANNER)
    with pytest.raises(StateConflict):
        lc.cancel_inspection(db_session, CODE, rest[0].uscc, "注销", PLANNER)  # disclosed
    lc.cancel_inspection(db_session, CODE, last.uscc, "该主体已注销", PLANNER)
    db_session.commit()
    assert plan.state == "closed" and plan.closed_at is not None
    assert "plan_closed" in kinds(db_session)
    with pytest.raises(StateConflict):
        lc.save_draft(db_session, CODE, last.uscc, OK, ACTOR, by=teams[last.uscc][0], today=TODAY)
    # closed is final, but a disclosed result may still be corrected (a new version)
    r = lc.save_draft(
        db_session, CODE, rest[0].uscc, FOUND, ACTOR, by=teams[rest[0].uscc][0], today=TODAY
    )
    assert r.current_no == 2 and plan.state == "closed"


def test_results_need_a_published_plan(db_session, small_district, plan_file):
    from scheduler.plans import create, draw, matching
    from scheduler.plans.core import get_plan

    create.create_plan(
        db_session,
        plan_file(
            window={"start": "2026-09-01", "end": "2026-10-30"},
            strata={"by": "credit_class", "counts": {"A": 2, "B": 1, "C": 1, "D": 1}},
            exclusions={"months_since_last": None, "max_per_year": None},
        ),
        ACTOR,
    )
    draw.freeze(db_session, "SC-2027-001", ACTOR)
    draw.set_seed(db_session, "SC-2027-001", "57721566490153286060651209", ACTOR)
    draw.draw(db_session, "SC-2027-001", ACTOR)
    matching.match(db_session, "SC-2027-001", ACTOR)
    insp = db_session.scalars(select(Inspection)).first()
    with pytest.raises(PlanStateError):
        lc.save_draft(db_session, "SC-2027-001", insp.uscc, OK, ACTOR, today=TODAY)
    assert get_plan(db_session, "SC-2027-001").state == "matched"


def test_attachments_type_size_and_storage(db_session, published, tmp_path):
    plan, insps, teams = published
    u = insps[0].uscc
    me = officer(teams[u][0])
    jpeg = b"\xff\xd8\xff\xe0" + b"x" * 100
    row = lc.add_attachment(db_session, CODE, u, me, "现场照片.jpg", jpeg, "image/jpeg", tmp_path)
    assert row.size == len(jpeg) and lc.attachment_path(tmp_path, row.sha256).read_bytes() == jpeg
    with pytest.raises(Invalid):
        lc.add_attachment(
            db_session, CODE, u, me, "a.exe", b"MZ..", "application/x-msdownload", tmp_path
        )
    with pytest.raises(Invalid):
        lc.add_attachment(db_session, CODE, u, me, "fake.png", jpeg, "image/png", tmp_path)
    with pytest.raises(TooLarge):
        big = b"\xff\xd8\xff" + b"0" * lc.MAX_ATTACHMENT_BYTES
        lc.add_attachment(db_session, CODE, u, me, "big.jpg", big, "image/jpeg", tmp_path)
