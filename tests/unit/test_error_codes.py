"""Error codes are an enumeration: every code the source writes is listed in ErrorCode."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kommuneokonomi.errors import ErrorCode, InputError, KommuneokonomiError

SRC = Path(__file__).resolve().parents[2] / "src" / "kommuneokonomi"


def _written_codes() -> dict[str, str]:
    """Every literal reason code in the source: ``code="..."`` keywords, and the code argument
    of the settings helpers (``settings.error(key, message, code)``, ``fail(...)``)."""
    found: dict[str, str] = {}
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            for kw in node.keywords:
                if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                    found[str(kw.value.value)] = f"{path.name}:{node.lineno}"
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            last = node.args[-1] if len(node.args) >= 3 else None
            if name in {"error", "fail"} and isinstance(last, ast.Constant):
                found[str(last.value)] = f"{path.name}:{node.lineno}"
    return found


def test_every_code_in_the_source_is_listed() -> None:
    written = _written_codes()
    assert len(written) > 50  # the scan finds the source's codes
    unlisted = {code: where for code, where in written.items() if code not in set(ErrorCode)}
    assert unlisted == {}


def test_every_listed_code_is_used() -> None:
    unused = set(ErrorCode) - set(_written_codes()) - {ErrorCode.FEIL}
    assert unused == set()


def test_an_unknown_code_is_refused_and_a_known_one_compares_as_text() -> None:
    with pytest.raises(ValueError):
        InputError("x", code="ukjent_kommne")  # a typo is a bug, not a new code
    err = InputError("x", code="ukjent_kommune")
    assert err.code is ErrorCode.UKJENT_KOMMUNE and err.code == "ukjent_kommune"
    assert KommuneokonomiError("x").code is ErrorCode.FEIL
