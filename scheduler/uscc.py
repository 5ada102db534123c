"""Unified social credit codes (统一社会信用代码, GB 32100-2015), wrapping `stdnum.cn.uscc`.

A code has 18 characters: 8 digits (registration authority, entity category, 6-digit
administrative division), a 9-character organisation code of digits and capital letters
without I, O, S, V and Z, and a check digit from the same alphabet.

`validate` normalises what people type or paste (full-width characters, lowercase letters,
spaces and hyphens) and raises `USCCError` telling wrong length, bad characters and a bad
check digit apart, in Chinese and English.
"""

from __future__ import annotations

import re
import unicodedata
from operator import mul

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import uscc as _stdnum

from scheduler.errors import Invalid, Msg

LENGTH = 18
ALPHABET = _stdnum._alphabet  # "0123456789ABCDEFGHJKLMNPQRTUWXY": no I, O, S, V, Z
_ALPHABET_SET = frozenset(ALPHABET)
_FORBIDDEN_LETTERS = "IOSVZ"
# Fast path for codes already in their stored form (a directory import checks 217,000):
# the same rule and arithmetic as stdnum, which tests/scheduler/test_uscc.py checks.
_STORED_FORM = re.compile(f"[0-9]{{8}}[{ALPHABET}]{{10}}")
_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class USCCError(Invalid, ValueError):
    """An invalid credit code. `reason` is "length", "characters" or "check_digit"."""

    code = "uscc_invalid"

    def __init__(self, reason: str, zh: str, en: str):
        super().__init__(Msg(zh, en), field="uscc")
        self.reason = reason

    @property
    def zh(self) -> str:
        return self.message.zh

    @property
    def en(self) -> str:
        return self.message.en


def compact(value: str) -> str:
    """The code as stored: full-width folded to ASCII, spaces and hyphens removed, uppercase."""
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    return _stdnum.compact(value)


def calc_check_digit(first17: str) -> str:
    """The check digit of the first 17 characters."""
    return _stdnum.calc_check_digit(first17)


def with_check_digit(first17: str) -> str:
    """A complete code made from 17 characters (used for synthetic demo data)."""
    first17 = compact(first17)
    if len(first17) != LENGTH - 1:
        raise ValueError("need exactly 17 characters")
    return first17 + calc_check_digit(first17)


def _bad_characters(code: str) -> list[tuple[int, str]]:
    """(1-based position, character) of each character not allowed where it stands."""
    bad = []
    for i, ch in enumerate(code, start=1):
        allowed = ch.isascii() and ch.isdigit() if i <= 8 else ch in _ALPHABET_SET
        if not allowed:
            bad.append((i, ch))
    return bad


def _fast_check_digit(code: str) -> str:
    return ALPHABET[(31 - sum(map(mul, map(_VALUES.__getitem__, code[:17]), _WEIGHTS))) % 31]


def validate(value: str) -> str:
    """Return the compact code, or raise `USCCError` saying what is wrong with it."""
    if _STORED_FORM.fullmatch(value) and _fast_check_digit(value) == value[17]:
        return value
    code = compact(value)
    try:
        return _stdnum.validate(code)
    except stdnum_exceptions.InvalidLength:
        raise USCCError(
            "length",
            f"统一社会信用代码应为 {LENGTH} 位，此处为 {len(code)} 位",
            f"a unified social credit code has {LENGTH} characters, this one has {len(code)}",
        ) from None
    except stdnum_exceptions.InvalidChecksum:
        raise USCCError(
            "check_digit",
            "统一社会信用代码校验位错误，请核对代码",
            "the check digit of the unified social credit code is wrong; check the code",
        ) from None
    except stdnum_exceptions.ValidationError:
        bad = _bad_characters(code)
        where_zh = "、".join(f"第 {i} 位“{ch}”" for i, ch in bad)
        where_en = ", ".join(f"{ch!r} at position {i}" for i, ch in bad)
        raise USCCError(
            "characters",
            f"统一社会信用代码含有不允许的字符：{where_zh}（前 8 位须为数字，"
            f"其后只能是数字和除 {'、'.join(_FORBIDDEN_LETTERS)} 以外的大写字母）",
            f"the unified social credit code has characters that are not allowed: {where_en} "
            f"(the first 8 must be digits, the rest digits or capital letters other than "
            f"{', '.join(_FORBIDDEN_LETTERS)})",
        ) from None


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except USCCError:
        return False
    return True
