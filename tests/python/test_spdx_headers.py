"""SPDX-License-Identifier headers read by the SQL that int_file_license_evidence runs.

The macros of macros/spdx_headers.sql are rendered with plain Jinja and run on DuckDB, on real
standard-library files with a header put in front, in every comment style and spacing."""

from __future__ import annotations

import csv
from functools import cache

import duckdb
import jinja2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import PROJECT_ROOT, STDLIB

SCAN_LINES = 20
REAL_CODE = (STDLIB / "textwrap.py").read_text()
SPDX_IDS = sorted(row["spdx_id"] for row in csv.DictReader((PROJECT_ROOT / "seeds" / "licenses.csv").open()))


@cache
def macros():
    return jinja2.Environment().from_string((PROJECT_ROOT / "macros" / "spdx_headers.sql").read_text()).module


@cache
def connection():
    return duckdb.connect()


def read_header(content: str, scan_lines: int = SCAN_LINES) -> tuple[str | None, list[list[str]]]:
    """(the header's expression, its alternatives) as the model computes them."""
    expression = macros().duckdb__spdx_header_expression("content", scan_lines)
    alternatives = macros().duckdb__spdx_expression_alternatives("header")
    sql = f"select header, {alternatives} from (select {expression} as header from (select ?::varchar as content))"
    return connection().execute(sql, [content]).fetchone()


def with_header(line: str, code: str = REAL_CODE, lines_before: int = 0) -> str:
    before = "".join(code.splitlines(keepends=True)[:lines_before])
    return before + line + "\n" + code


COMMENT_STYLES = {
    "#": ("#", ""),
    "//": ("//", ""),
    "/* */": ("/*", "*/"),
    "--": ("--", ""),
}
blanks = st.text(alphabet=" \t", max_size=4)
licence_ids = st.sampled_from(SPDX_IDS)


@settings(max_examples=200, deadline=None)
@given(
    style=st.sampled_from(sorted(COMMENT_STYLES)),
    indent=blanks,
    gap=blanks,
    after_tag=blanks,
    trailing=blanks,
    alternatives=st.lists(st.lists(licence_ids, min_size=1, max_size=3), min_size=1, max_size=3),
    operator_case=st.sampled_from([str.upper, str.lower]),
    lines_before=st.integers(0, SCAN_LINES - 1),
    spacing=st.data(),
)
def test_header_in_any_comment_style_and_spacing_gives_its_alternatives(
    style, indent, gap, after_tag, trailing, alternatives, operator_case, lines_before, spacing
):
    opener, closer = COMMENT_STYLES[style]

    def spaced(operator: str) -> str:
        return (
            spacing.draw(st.text(alphabet=" \t", min_size=1, max_size=3))
            + operator_case(operator)
            + spacing.draw(st.text(alphabet=" \t", min_size=1, max_size=3))
        )

    expression = "".join(
        (spaced("OR") if i else "") + "".join((spaced("AND") if j else "") + id_ for j, id_ in enumerate(ids))
        for i, ids in enumerate(alternatives)
    )
    line = f"{indent}{opener}{gap}SPDX-License-Identifier:{after_tag} {expression}{trailing}{closer}"
    header, parsed = read_header(with_header(line, lines_before=lines_before))
    assert header == " ".join(expression.split())  # blanks inside the expression become one space
    assert parsed == sorted(map(list, {tuple(sorted(set(ids))) for ids in alternatives}))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("# SPDX-License-Identifier: GPL-3.0-only", [["GPL-3.0-only"]]),
        ("# SPDX-License-Identifier: MIT OR GPL-3.0-only", [["GPL-3.0-only"], ["MIT"]]),
        ("/* SPDX-License-Identifier: (Apache-2.0 OR MIT) */", [["Apache-2.0"], ["MIT"]]),
        # AND binds tighter than OR (SPDX 2.3 Annex D): one alternative of two licenses, or MIT.
        ("// SPDX-License-Identifier: Apache-2.0 AND BSD-3-Clause OR MIT", [["Apache-2.0", "BSD-3-Clause"], ["MIT"]]),
        # An exception only grants more: the license before WITH is what applies.
        ("// SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note", [["GPL-2.0-only"]]),
        # Nested parentheses are read as the strictest case: every id applies.
        (
            "-- SPDX-License-Identifier: MIT AND (BSD-2-Clause OR GPL-2.0-only)",
            [["BSD-2-Clause", "GPL-2.0-only", "MIT"]],
        ),
        ("<!-- SPDX-License-Identifier: MIT -->", [["MIT"]]),
        (" * SPDX-License-Identifier: BSD-2-Clause\r", [["BSD-2-Clause"]]),
    ],
)
def test_header_expressions_of_real_forms(line, expected):
    assert read_header(with_header(line))[1] == expected


def test_header_after_a_shebang_and_encoding_line_counts():
    content = "#!/usr/bin/env python3\n# -*- coding: utf-8 -*-\n# SPDX-License-Identifier: GPL-3.0-only\n" + REAL_CODE
    assert read_header(content) == ("GPL-3.0-only", [["GPL-3.0-only"]])


def test_first_of_two_headers_counts():
    content = with_header("# SPDX-License-Identifier: MIT", with_header("# SPDX-License-Identifier: GPL-3.0-only"))
    assert read_header(content)[0] == "MIT"


def test_header_below_the_scanned_lines_is_not_read():
    assert read_header(with_header("# SPDX-License-Identifier: GPL-3.0-only", lines_before=SCAN_LINES)) == (None, [])
    assert (
        read_header(with_header("# SPDX-License-Identifier: GPL-3.0-only", lines_before=SCAN_LINES - 1))[0]
        == "GPL-3.0-only"
    )
    assert read_header(with_header("# SPDX-License-Identifier: GPL-3.0-only"), scan_lines=0) == (None, [])


@pytest.mark.parametrize(
    "line",
    [
        "LICENSE = 'SPDX-License-Identifier: GPL-3.0-only'",
        'print("SPDX-License-Identifier: GPL-3.0-only")',
        "# SPDX-License-Identifier:",
    ],
)
def test_a_mention_of_the_tag_that_is_not_a_header_is_no_evidence(line):
    assert read_header(with_header(line)) == (None, [])


def test_real_files_without_a_header_have_none():
    for path in sorted((STDLIB / "json").glob("*.py")):
        assert read_header(path.read_text()) == (None, [])
