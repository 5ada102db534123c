"""Small hand-built districts for the rule tests (规则测试用的小辖区).

A `District` adds a handful of entities and officers, each with exactly the property a
test is about, and `run_plan` takes a plan through the public service steps up to a
given state. Nothing here computes what a rule decides: that is `tests/oracles.py`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from scheduler.actors import Actor
from scheduler.models import (
    Body,
    Conflict,
    Entity,
    InspectionHistory,
    LeavePeriod,
    Officer,
    Town,
    Unit,
)

SYSTEM = Actor.system("rules-test")
SEED = "31415926535897932384626433"
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
D = dt.date
REGISTERED = D(2015, 1, 1)
CERT_FROM = D(2020, 1, 1)
CERT_TO = D(2030, 12, 31)


def uscc_of(serial: int) -> str:
    """A valid unified social credit code (GB 32100-2015) for a serial number."""
    body, n = "", serial
    for _ in range(8):
        n, r = divmod(n, len(USCC_CHARS))
        body = USCC_CHARS[r] + body
    partial = f"91370282{body}0"
    return partial + stdnum_uscc.calc_check_digit(partial + "0")


class District:
    """Adds rows to the session; `commit()` when the scene is set."""

    def __init__(self, session, first_serial: int = 70000):
        self.s = session
        self.serial = first_serial
        self.n_officers = 0

    def _one(self, model, code):
        row = self.s.scalar(select(model).where(model.code == code))
        assert row is not None, f"reference row {code} missing"
        return row

    def entity(
        self,
        *,
        type: str = "E",
        industry: str = "F",
        town: str = "TJ",
        credit: str = "A",
        status: str = "active",
        key: bool = False,
        registered_on: dt.date = REGISTERED,
    ) -> Entity:
        self.serial += 1
        e = Entity(
            uscc=uscc_of(self.serial),
            name=f"规则测试主体{self.serial}",
            type=type,
            industry=industry,
            town=self._one(Town, town),
            registered_on=registered_on,
            status=status,
            credit_class=credit,
            key_supervision=key,
        )
        self.s.add(e)
        self.s.flush()
        return e

    def officer(
        self,
        body: str = "SC",
        unit: str | None = None,
        *,
        valid_from: dt.date = CERT_FROM,
        valid_to: dt.date = CERT_TO,
        status: str = "valid",
        competences: str = "",
    ) -> Officer:
        self.n_officers += 1
        unit_code = unit or ("SC-ZD" if body == "SC" else None)
        unit_row = (
            self._one(Unit, unit_code)
            if unit_code
            else self.s.scalar(select(Unit).join(Body).where(Body.code == body).order_by(Unit.code))
        )
        o = Officer(
            cert_no=f"RT{body}{self.n_officers:06d}",
            name=f"测试执法员{self.n_officers}",
            body=self._one(Body, body),
            unit=unit_row,
            cert_valid_from=valid_from,
            cert_valid_to=valid_to,
            cert_status=status,
            competences=competences,
        )
        self.s.add(o)
        self.s.flush()
        return o

    def leave(self, officer: Officer, start: dt.date, end: dt.date) -> None:
        self.s.add(LeavePeriod(officer=officer, starts_on=start, ends_on=end, reason="年休假"))
        self.s.flush()

    def conflict(self, officer: Officer, entity: Entity, kind: str = "relative") -> None:
        self.s.add(Conflict(officer=officer, entity=entity, kind=kind, declared_on=D(2026, 12, 1)))
        self.s.flush()

    def history(
        self, entity: Entity, day: dt.date, officers: list[Officer] | None = None, body: str = "SC"
    ) -> None:
        self.s.add(
            InspectionHistory(
                entity=entity,
                body=self._one(Body, body),
                inspected_on=day,
                officers=list(officers or []),
            )
        )
        self.s.flush()

    def commit(self) -> None:
        self.s.commit()


def plan_data(code: str = "SC-2027-101", **overrides) -> dict:
    """A plan file: SC alone, every active fitting entity drawn (stratum ALL, a count above
    any test's population), no exclusion, no key supervision, teams of two."""
    data = {
        "code": code,
        "name": "规则测试计划",
        "lead_body": "SC",
        "bodies": ["SC"],
        "items": ["SC-01", "SC-05"],
        "window": {"start": "2027-03-01", "end": "2027-04-30"},
        "filters": {"towns": []},
        "strata": {"by": "none", "counts": {"ALL": 1000}},
        "team_size": {"SC": 2},
        "cap_per_officer": 30,
        "mode": "random",
        "cross_jurisdiction": False,
        "exclusions": {"months_since_last": None, "max_per_year": None},
        "key_supervision": {"flagged": False},
    }
    data.update(overrides)
    return data


STEPS = ("draft", "frozen", "drawn", "matched", "scheduled", "published")


def run_plan(session, data: dict, until: str = "drawn", seed: str = SEED, actor=SYSTEM):
    """Create the plan and take it through the service steps up to state `until`. The
    freeze is forced: these districts test population and draw rules, and most have too
    few officers to pass the capacity check (tested on its own in test_capacity.py)."""
    from scheduler.plans import create, draw, matching, public, scheduling
    from scheduler.plans.core import get_plan

    code = data["code"]
    create.create_plan(session, data, actor)
    steps = {
        "frozen": lambda: draw.freeze(session, code, actor, force=True),
        "drawn": lambda: (
            draw.set_seed(session, code, seed, actor),
            draw.draw(session, code, actor),
        ),
        "matched": lambda: matching.match(session, code, actor),
        "scheduled": lambda: scheduling.schedule(session, code, actor),
        "published": lambda: public.publish(session, code, actor),
    }
    for state in STEPS[1 : STEPS.index(until) + 1]:
        steps[state]()
        session.commit()
    session.commit()
    return get_plan(session, code)
