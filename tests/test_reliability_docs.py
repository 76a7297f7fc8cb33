"""The "Reliability and security" page names, for each guarantee, tests that exist."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "reliability.rst"


def test_every_test_named_on_the_reliability_page_exists():
    text = PAGE.read_text(encoding="utf-8")
    named = re.findall(r"``(tests/[\w/]+\.py)::(\w+)``", text)
    assert len(named) >= 20, "the page should name the tests of its guarantees"
    defined = {}
    for path, name in named:
        if path not in defined:
            tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
            defined[path] = {node.name for node in tree.body
                             if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        assert name in defined[path], f"{path}::{name} is named on {PAGE.name} but does not exist"


def test_every_guarantee_names_a_test():
    text = PAGE.read_text(encoding="utf-8")
    # definition-list entries: a term line followed by an indented body
    entries = re.findall(r"^(\S[^\n]*)\n(   \S[^\n]*\n(?:   [^\n]*\n|\n)*)", text, flags=re.M)
    guarantees = [(term, body) for term, body in entries if not term.startswith(("..", "="))]
    assert guarantees
    for term, body in guarantees:
        assert "tests/" in body, f"the guarantee {term!r} on {PAGE.name} names no test"
