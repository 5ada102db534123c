"""Unified social credit codes: scheduler.uscc against stdnum and GB 32100-2015."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from scheduler import uscc

# Real codes of well-known registrants (and the spec's example), each checked by stdnum below.
VALID = [
    "91370282MA3C5T4R2M",  # the example of the specification
    "91110000600037341L",  # stdnum's own example
    "914403001922038216",  # a Shenzhen enterprise; check digit 6
    "9144030071526726XG",  # a Shenzhen enterprise; X inside the organisation code
    "91330100716105852F",  # a Hangzhou enterprise
    "91110108551385082Q",  # a Beijing Haidian enterprise
    "91310000717866186P",  # a Shanghai enterprise
    "91110000802100433B",  # a Beijing state-owned enterprise
]


@pytest.mark.parametrize("code", VALID)
def test_real_codes_are_valid_and_stdnum_agrees(code):
    assert stdnum_uscc.is_valid(code)
    assert uscc.validate(code) == code
    assert uscc.is_valid(code)
    assert uscc.calc_check_digit(code[:17]) == code[17]
    assert uscc.with_check_digit(code[:17]) == code


@pytest.mark.parametrize("code", VALID)
def test_every_other_check_digit_is_refused(code):
    for digit in uscc.ALPHABET:
        if digit == code[17]:
            continue
        with pytest.raises(uscc.USCCError) as exc:
            uscc.validate(code[:17] + digit)
        assert exc.value.reason == "check_digit"
        assert "校验位" in exc.value.zh and "check digit" in exc.value.en


@pytest.mark.parametrize(
    "code, length",
    [(VALID[0][:17], 17), (VALID[0] + "1", 19), ("9137", 4), ("", 0), (VALID[0] * 2, 36)],
)
def test_wrong_length_says_how_long(code, length):
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate(code)
    assert exc.value.reason == "length"
    assert f"{length} 位" in exc.value.zh
    assert f"this one has {length}" in exc.value.en


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_i_o_s_v_z_are_not_allowed(letter):
    code = VALID[0][:10] + letter + VALID[0][11:]  # position 11 is in the organisation code
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate(code)
    assert exc.value.reason == "characters"
    assert f"第 11 位“{letter}”" in exc.value.zh
    assert f"{letter!r} at position 11" in exc.value.en


def test_letters_in_the_first_eight_characters_are_not_allowed():
    code = "9137A282MA3C5T4R2M"
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate(code)
    assert exc.value.reason == "characters"
    assert "第 5 位“A”" in exc.value.zh
    assert not stdnum_uscc.is_valid(code)


def test_several_bad_characters_are_all_named():
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate("91370282MA3C5T4R2M".replace("MA3", "O#3"))
    assert "第 9 位“O”" in exc.value.zh and "第 10 位“#”" in exc.value.zh


def test_lowercase_spaces_hyphens_and_fullwidth_are_normalised():
    assert uscc.validate("91370282ma3c5t4r2m") == "91370282MA3C5T4R2M"
    assert uscc.validate(" 9137 0282-MA3C-5T4R-2M ") == "91370282MA3C5T4R2M"
    assert uscc.validate("９１３７０２８２ＭＡ３Ｃ５Ｔ４Ｒ２Ｍ") == "91370282MA3C5T4R2M"
    # a lowercase forbidden letter is still forbidden once uppercased
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate("91370282mo3c5t4r2m")
    assert exc.value.reason == "characters"


def test_messages_are_bilingual():
    with pytest.raises(uscc.USCCError) as exc:
        uscc.validate("91370282MA3C5T4R2N")
    assert str(exc.value) == f"{exc.value.zh} / {exc.value.en}"


def test_with_check_digit_needs_seventeen_characters():
    with pytest.raises(ValueError):
        uscc.with_check_digit("9137028")


# Codes from the allowed alphabet plus the forbidden letters and a few other characters,
# half of them completed with their correct check digit, so that both paths are exercised.
_chars = st.sampled_from(uscc.ALPHABET + "IOSVZabc -#")
_raw = st.text(_chars, min_size=15, max_size=20)
_first17 = st.builds(
    str.__add__,
    st.text(st.sampled_from("0123456789"), min_size=8, max_size=8),
    st.text(st.sampled_from(uscc.ALPHABET), min_size=9, max_size=9),
)
_completed = _first17.map(lambda s: s + stdnum_uscc.calc_check_digit(s))


@given(st.one_of(_raw, _completed, _completed.map(str.lower), _first17.map(lambda s: s + "0")))
def test_validate_agrees_with_stdnum(code):
    try:
        expected = stdnum_uscc.validate(code)
    except Exception:
        expected = None
    try:
        got = uscc.validate(code)
    except uscc.USCCError:
        got = None
    assert got == expected
