"""Student-controlled text made safe to show: on the instructor's terminal, in CSV, XML, HTML, JSON.

Names, messages and captured output come from students' files and code. Written raw, an
ESC sequence recolours or clears the terminal, a carriage return overwrites the line it is
on (a progress line, a score), a newline forges a line of its own (a fake summary row), and
bidirectional-override characters reorder what is shown. So every control character is
shown as a visible escape (`\\x1b`, `\\r`, `\\u202e`), never passed through:

- `one_line` for names, ids, table cells and attributes: newlines and tabs are escaped too;
- `multi_line` for message bodies and captured output: newlines (and tabs) are kept, a CRLF
  becomes a newline, every other control character is escaped.
"""

from __future__ import annotations

import re
import unicodedata

# DEL, C1 controls, line/paragraph separators and the bidirectional controls; C0 is added below.
_OTHER = r"\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ANY_CONTROL = re.compile(rf"[\x00-\x1f{_OTHER}]")
_CONTROL_BUT_LINES = re.compile(rf"[\x00-\x08\x0b-\x1f{_OTHER}]")  # keeps \t and \n
_SURROGATES = re.compile(r"[\ud800-\udfff]")  # lone halves of a pair: UTF-8 cannot encode them
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def valid_utf8(text: str) -> str:
    """`text` with each surrogate code point replaced by U+FFFD, so it encodes as UTF-8."""
    return _SURROGATES.sub("\ufffd", text)


def one_line(text: str) -> str:
    """`text` on one line, every control character visible as an escape."""
    return _ANY_CONTROL.sub(_escape, valid_utf8(text))


def multi_line(text: str) -> str:
    """`text` with its lines and tabs kept and every other control character visible as an escape."""
    return _CONTROL_BUT_LINES.sub(_escape, valid_utf8(text).replace("\r\n", "\n"))


def may_be_formula(value: str) -> bool:
    """Whether a spreadsheet may run the cell: its first visible character is = + - @ or their
    full-width and small forms (NFKC makes those ASCII). Spreadsheets trim leading white space of
    any kind on import and do not show format characters (zero-width space, BOM), so those do not
    count as a first character; nor do tab and CR, which OWASP lists as formula starts."""
    for char in value:
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        return unicodedata.normalize("NFKC", char)[:1] in ("=", "+", "-", "@")
    return False


def spreadsheet_cell(value: str) -> str:
    """`value` as a CSV cell: on one line, and behind an apostrophe if a spreadsheet would run it."""
    value = one_line(value)
    return "'" + value if may_be_formula(value) else value
