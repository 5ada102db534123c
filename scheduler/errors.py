"""One family of domain errors and one bilingual message type (双语提示).

Every error a service raises on purpose derives from `FairdrawError`, which carries

- `status`: the HTTP-like status the web answers with (400, 403, 404, 409, 413, 422),
- `code`: a stable machine code in snake_case (`plan_not_found`, `plan_state`, `invalid`...),
  what the JSON API and tests match on, never the wording,
- `message`: a `Msg`, Chinese and English,
- `field`: the input field the error is about, if one,
- `details`: further lines, each a `Msg` or a dict with `message` (a `Msg`) and any of
  `field`, `row`, `column`, `cell`, `value` (importers name the spreadsheet cell).

The CLI prints `str(error)`: Chinese first, then English, then the details. The web picks
the request's language with `Msg.text(lang)`. Nothing here knows about Flask or click.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class Msg:
    """A user-facing message in Chinese (`zh`, shown first) and English (`en`)."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} / {self.en}"

    def text(self, lang: str | None) -> str:
        """The message in one language: English for `en...`, Chinese otherwise."""
        return self.en if lang and lang.lower().startswith("en") else self.zh


Detail = Msg | Mapping[str, Any]


def detail_dict(detail: Detail) -> dict[str, Any]:
    """A detail as a dict with at least `message` (a `Msg`)."""
    if isinstance(detail, Msg):
        return {"message": detail}
    return dict(detail)


def detail_text(detail: Detail) -> str:
    """One line of a detail, both languages: `field: 中文 / English`."""
    d = detail_dict(detail)
    if "row" in d:  # a problem in a file: row (None for the file as a whole), cell, column
        where = f"第 {d['row']} 行 / row {d['row']}" if d["row"] else "文件 / file"
        cell = f" {d['cell']}" if d.get("cell") else ""
        column = f" [{d['column']}]" if d.get("column") else ""
        text = str(d.get("value") or "")
        text = text if len(text) <= 60 else text[:57] + "..."
        value = f" “{text}”" if text else ""
        return f"{where}{cell}{column}{value}: {d['message']}"
    if d.get("field"):
        return f"{d['field']}: {d['message']}"
    return str(d["message"])


class FairdrawError(Exception):
    """A request the domain refuses; nothing was changed (the caller rolls back)."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: Msg,
        details: Iterable[Detail] = (),
        *,
        field: str | None = None,
        code: str | None = None,
        status: int | None = None,
    ):
        if not isinstance(message, Msg):
            raise TypeError(f"a FairdrawError needs a Msg, got {message!r}")
        self.message = message
        self.details: list[Detail] = list(details)
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        super().__init__(str(message))

    def __str__(self) -> str:
        return "\n".join([str(self.message), *("  - " + detail_text(d) for d in self.details)])

    def entries(self, lang: str | None) -> list[dict[str, Any]]:
        """The error as the JSON envelope's entries `{"code", "message", "field"}` in one
        language: the error itself, then one entry per detail (with its row and column)."""
        out = [{"code": self.code, "message": self.message.text(lang), "field": self.field}]
        for detail in self.details:
            d = detail_dict(detail)
            entry = {
                "code": d.get("code", self.code),
                "message": d["message"].text(lang),
                "field": d.get("field"),
            }
            entry.update({k: d[k] for k in ("row", "column", "cell", "value") if k in d})
            out.append(entry)
        return out


# ---------------------------------------------------------------------------- generic


class BadRequest(FairdrawError):
    status = 400
    code = "bad_request"


class Forbidden(FairdrawError):
    """The actor may not do this (403); the thing exists and the actor may know it."""

    status = 403
    code = "forbidden"


class NotFound(FairdrawError):
    """No such thing, or one the actor may not know about (404: existence does not leak)."""

    status = 404
    code = "not_found"


class StateConflict(FairdrawError):
    """The thing is not in a state that allows the request (409)."""

    status = 409
    code = "state_conflict"


class TooLarge(FairdrawError):
    status = 413
    code = "too_large"


class Invalid(FairdrawError):
    """The input is well-formed but wrong (422); `details` name the fields."""

    status = 422
    code = "invalid"


# ---------------------------------------------------------------------------- domain


class PlanError(FairdrawError):
    """A request about a plan that cannot be carried out; `except PlanError` catches every
    plan problem below (not found, wrong state, invalid file, no match, no schedule)."""

    status = 422
    code = "plan_invalid"


class PlanNotFound(PlanError, NotFound):
    status = 404
    code = "plan_not_found"

    @classmethod
    def of(cls, code: str) -> PlanNotFound:
        """The one message for a plan that does not exist or that the actor may not see."""
        return cls(Msg(f"没有编号为 {code} 的计划", f"no plan with code {code!r}"))


class PlanStateError(PlanError, StateConflict):
    """The plan is not in a state that allows the transition (HTTP 409)."""

    status = 409
    code = "plan_state"


class InspectionNotFound(PlanError, NotFound):
    status = 404
    code = "inspection_not_found"

    @classmethod
    def of(cls, plan_code: str, uscc: str) -> InspectionNotFound:
        return cls(
            Msg(
                f"计划 {plan_code} 中没有检查对象 {uscc}",
                f"plan {plan_code} has no inspection of {uscc}",
            ),
            field="uscc",
        )


class PlanIntegrityError(PlanError):
    """Stored plan data disagrees with its recomputation: someone altered the database."""

    status = 409
    code = "plan_altered"


class MatchInfeasible(PlanError, StateConflict):
    """No valid match exists; `diagnosis` (JSON-able) says why and what would help."""

    status = 409
    code = "match_infeasible"

    def __init__(self, message: Msg, details: Iterable[Detail], diagnosis: dict):
        super().__init__(message, details)
        self.diagnosis = diagnosis


class CapacityShort(PlanError, StateConflict):
    """The plan's officers cannot possibly staff its teams (the capacity check before the
    seed); `capacity` is the JSON-able check, per body."""

    status = 409
    code = "capacity_short"

    def __init__(self, message: Msg, details: Iterable[Detail], capacity: dict):
        super().__init__(message, details)
        self.capacity = capacity


class ScheduleInfeasible(PlanError, StateConflict):
    status = 409
    code = "schedule_infeasible"


class UserError(Invalid):
    """A user account cannot be created as asked."""

    code = "user_invalid"


class CalendarError(Invalid):
    """A working-day calendar list or range is wrong."""

    code = "calendar_invalid"


class FileProblem(Invalid):
    """An uploaded file cannot be read as a directory table (encoding, type, header...);
    `details` hold one entry per problem with its row, cell and column."""

    code = "file_unreadable"


class DemoNotEmpty(StateConflict):
    """The database already holds directory data; the demo district is only for empty ones."""

    code = "demo_not_empty"
