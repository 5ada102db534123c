"""The wording, tone and icon of every state badge, written once (状态标签).

Plans: 草稿 draft, 已冻结 frozen, 已抽取 drawn, 已匹配 matched, 已排期 scheduled,
已公示 published, 已结束 closed, 已撤销 cancelled. Results (and inspections by their
result): 未录入 not entered, 待审核 submitted, 已退回 returned, 已通过 approved,
已公开 disclosed. Colour is never the only cue: each badge has its word and an icon.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext
from markupsafe import Markup

# tone -> (CSS modifier, icon). The icon is decorative (the word carries the meaning).
TONES = {
    "neutral": "○",
    "info": "◆",
    "ok": "✓",
    "warning": "!",
    "error": "✕",
    "closed": "■",
}


@dataclass(frozen=True)
class State:
    key: str
    label: object  # lazy msgid, translated when shown
    tone: str

    @property
    def icon(self) -> str:
        return TONES[self.tone]

    @property
    def text(self) -> str:
        return str(self.label)


PLAN_STATES = {
    s.key: s
    for s in (
        State("draft", lazy_gettext("Draft"), "neutral"),
        State("frozen", lazy_gettext("Frozen"), "info"),
        State("drawn", lazy_gettext("Drawn"), "info"),
        State("matched", lazy_gettext("Matched"), "info"),
        State("scheduled", lazy_gettext("Scheduled"), "info"),
        State("published", lazy_gettext("Published"), "ok"),
        State("closed", lazy_gettext("Closed"), "closed"),
        State("cancelled", lazy_gettext("Cancelled"), "error"),
    )
}

RESULT_STATES = {
    s.key: s
    for s in (
        State("not_entered", lazy_gettext("Not entered"), "neutral"),
        State("submitted", lazy_gettext("Submitted"), "info"),
        State("returned", lazy_gettext("Returned"), "warning"),
        State("approved", lazy_gettext("Approved"), "ok"),
        State("disclosed", lazy_gettext("Disclosed"), "ok"),
    )
}

STATES = {**PLAN_STATES, **RESULT_STATES}


def _key(state) -> str:
    """Accept 'frozen', PlanState.FROZEN, 'not-entered', 'Not Entered'."""
    value = getattr(state, "value", state)
    return str(value).strip().lower().replace("-", "_").replace(" ", "_")


def state_info(state) -> State:
    """The badge for a state; an unknown state is shown as itself in a neutral badge."""
    key = _key(state)
    known = STATES.get(key)
    if known is not None:
        return known
    return State(key, str(getattr(state, "value", state)), "neutral")


def state_label(state) -> str:
    """The word of a state in the current locale (for downloads and plain text)."""
    return state_info(state).text


def badge_html(state) -> Markup:
    """`<span class="badge badge-ok">✓ 已公示</span>`: icon (decorative) and word."""
    info = state_info(state)
    return Markup(
        '<span class="badge badge-{tone}" data-state="{key}">'
        '<span class="badge-icon" aria-hidden="true">{icon}</span>{text}</span>'
    ).format(tone=info.tone, key=info.key, icon=info.icon, text=info.text)
