"""Decoding the text files users make (文本文件编码): CSV directories, plan files, calendars.

Offices save files in UTF-8 (often with a BOM, as Excel writes it) or in GBK / GB18030 (what
a Chinese Windows writes by default). `decode_text` accepts those and nothing else:

- UTF-16 / UTF-32 (by their BOM) are refused with the advice to save as UTF-8;
- a NUL byte anywhere is refused (no text file holds one, and PostgreSQL cannot store it);
- a file that mixes encodings (some lines UTF-8, others GBK: two files pasted together) is
  refused naming the first line that does not fit, instead of importing as mojibake;
- control characters other than tab, CR and LF are refused with their line: text holding
  them was not really UTF-8 or GB18030 (almost any bytes decode as GB18030).

A refusal is a `FileProblem` whose detail names the line (`row`) and says what to do.
"""

from __future__ import annotations

import codecs
import re

from scheduler.errors import FileProblem, Msg

# C0 and C1 control characters other than tab, CR and LF, and the replacement character.
NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
# A UTF-8 encoded CJK character (three bytes, lead E3-E9): what a UTF-8 line of Chinese holds.
_UTF8_CJK = re.compile(rb"[\xe3-\xe9][\x80-\xbf][\x80-\xbf]")

ENCODING_ZH = "请另存为 UTF-8（可带 BOM）或 GBK 编码"
ENCODING_EN = "save it as UTF-8 (a BOM is fine) or GBK"


def problem(line: int | None, zh: str, en: str, *, value: str = "") -> FileProblem:
    """A file that cannot be read as text; `line` (1-based) where the problem is."""
    detail = {"row": line, "column": "", "cell": "", "value": value, "message": Msg(zh, en)}
    return FileProblem(Msg("文件无法读取", "the file cannot be read"), [detail])


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode_text(data: bytes) -> str:
    """The text of a file in UTF-8 (BOM optional) or GBK/GB18030; `FileProblem` otherwise."""
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)) or data.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        raise problem(
            1,
            f"文件编码错误：不支持 UTF-16/UTF-32 编码；{ENCODING_ZH}",
            f"wrong encoding: UTF-16/UTF-32 is not supported; {ENCODING_EN}",
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = _line_of(data, nul)
        raise problem(
            line,
            f"文件编码错误或不是文本文件：第 {line} 行含有空字符（NUL，0x00）；{ENCODING_ZH}",
            f"wrong encoding, or not a text file: line {line} holds a NUL byte (0x00); "
            f"{ENCODING_EN}",
        )
    body = data[len(codecs.BOM_UTF8) :] if data.startswith(codecs.BOM_UTF8) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if data.startswith(codecs.BOM_UTF8):  # declared UTF-8, yet not UTF-8
            line = _line_of(body, exc.start)
            raise _mixed(line, "UTF-8") from None
        text = _decode_gb18030(body)
    bad = NOT_TEXT.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise problem(
            line,
            f"文件编码错误：第 {line} 行含有控制字符 U+{ord(bad.group()):04X}；{ENCODING_ZH}",
            f"wrong encoding: line {line} holds control character "
            f"U+{ord(bad.group()):04X}; {ENCODING_EN}",
        )
    return text


def _decode_gb18030(body: bytes) -> str:
    """A file that is not UTF-8: GB18030 throughout, or refused at its first odd line."""
    lines = body.split(b"\n")
    # Which encoding did the file start in? The first line that is not plain ASCII says.
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        if _is_utf8(line) and _UTF8_CJK.search(line):
            # Started as UTF-8: the first line that is not UTF-8 is the odd one.
            for later, other in enumerate(lines[number:], start=number + 1):
                if not _is_utf8(other):
                    raise _mixed(later, "UTF-8")
        break
    for number, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            line.decode("gb18030")
        except UnicodeDecodeError:
            raise _mixed(number, "GBK") from None
        if _is_utf8(line) and _UTF8_CJK.search(line):
            raise _mixed(number, "GBK")
    return body.decode("gb18030")


def _mixed(line: int, started: str) -> FileProblem:
    return problem(
        line,
        f"文件编码错误（编码混杂）：文件按 {started} 编码，但第 {line} 行不是 {started}"
        f"（可能由不同编码的文件拼接而成）；{ENCODING_ZH}，且全文使用同一种编码",
        f"wrong encoding (mixed encodings): the file reads as {started} but line {line} "
        f"is not {started} "
        f"(files in different encodings pasted together?); {ENCODING_EN}, one encoding "
        "for the whole file",
    )


# Spreadsheet formula injection (CSV 注入): a cell starting with one of these is a formula
# or a command to Excel and WPS. CSV exports prefix such a cell with an apostrophe, and CSV
# imports remove exactly that one apostrophe, so that export then import is the identity.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def neutralise_cell(text: str) -> str:
    """`text` safe for a CSV cell: `'` before a formula start (and before text that already
    starts with apostrophes then a formula start, so that `restore_cell` is exact)."""
    return "'" + text if text and _needs_quote(text) else text


def restore_cell(text: str) -> str:
    """The inverse of `neutralise_cell`: one leading `'` removed where the export added it."""
    return text[1:] if text.startswith("'") and _needs_quote(text) else text
