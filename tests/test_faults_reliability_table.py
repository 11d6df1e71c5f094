"""docs/reliability.md names its proving tests; every one it names must exist.

A row of that table is a promise only while its test runs: a test renamed or
deleted would leave a promise standing with nothing behind it.  The table cites a
test as ``tests/file.py::test_name`` or, right after one from the same file, as
``::test_name``; a file alone (``tests/file.py``) stands for all of its tests.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
CITATION = re.compile(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`")


def cited_tests(text: str) -> list[tuple[str, str]]:
    """``(file, test name or "")`` for every test the text cites, a bare ``::name`` taking the file before it.

    >>> cited_tests("`tests/a.py::test_x`, `::test_y`; `tests/b.py`")
    [('tests/a.py', 'test_x'), ('tests/a.py', 'test_y'), ('tests/b.py', '')]
    """
    out: list[tuple[str, str]] = []
    current = ""
    for file, name in CITATION.findall(text):
        if file:
            current = file
        if current and (file or name):
            out.append((current, name))
    return out


def defined_tests(path: Path) -> set[str]:
    """Names of the test functions in a Python test file, or in a MicroPython one (same syntax)."""
    tree = ast.parse(path.read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_every_test_the_reliability_table_names_exists() -> None:
    cited = cited_tests(DOC.read_text())
    assert len(cited) >= 40, f"only {len(cited)} citations found: has the table's format changed?"
    missing = [f"{file}::{name}" if name else file for file, name in cited
               if not (ROOT / file).is_file() or (name and name not in defined_tests(ROOT / file))]
    assert missing == [], f"docs/reliability.md names tests that do not exist: {missing}"


def test_every_row_of_the_tables_names_a_test_or_says_why_not() -> None:
    rows = [ln for ln in DOC.read_text().splitlines()
            if ln.startswith("| ") and not ln.startswith("| fault") and not ln.startswith("|---")]
    assert rows
    bare = [r for r in rows if not cited_tests(r) and "by construction" not in r]
    assert bare == [], f"rows without a proving test: {bare}"
