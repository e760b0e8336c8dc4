"""The xlwings Lite edition (issue 14, point 5): ``lite/main.py`` is generated from the same
definitions as the classic add-in and driven here through xlwings' Lite API
(``xlwings.server``: ``custom_functions_call``, ``custom_scripts_call``), which imports under
CPython with ``XLWINGS_ON_SERVER=true`` and the noncommercial test key, set in the fixture only.
Running under Pyodide itself is on the manual checklist."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import xlwings as xw

from kommuneokonomi import macros, udfs

from ..live.remote import actions_of, open_remote, payload
from .test_addin import _load_build

REPO = Path(__file__).resolve().parents[2]
LITE = REPO / "lite"


@pytest.fixture
def lite(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    monkeypatch.setenv("XLWINGS_ON_SERVER", "true")
    # xlwings registers the Office.js engine when it is first imported with a key; another
    # test module may have imported it before, without one
    from xlwings.main import Engine, engines
    from xlwings.pro import _xlofficejs

    added = "officejs" not in engines.engines_by_name
    if added:
        engines.add(Engine(impl=_xlofficejs.engine))
    spec = importlib.util.spec_from_file_location("kommuneokonomi_lite_main", LITE / "main.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    if added:
        engine = engines.engines_by_name.pop("officejs")
        engines.engines.remove(engine)


def _call(module: ModuleType, name: str, *args: Any) -> Any:
    from xlwings.server import custom_functions_call

    data = {
        "func_name": name,
        "args": list(args),
        "version": xw.__version__,
        "client": "Office.js",
        "runtime": "1.4",  # the Excel JavaScript API version Excel reports
        "culture_info_name": "nb-NO",
        "date_format": "dd.mm.yyyy",
    }
    return asyncio.run(custom_functions_call(data, module))


def _scalar(value: Any) -> Any:
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


NAMES = [["Oslo"], ["Bergen"], ["Trondheim"], ["Stavanger"]]
VALUES = [[100.0], [90.0], [120.0], [None]]
CASES = [
    ("KO_VEKST", ([[0.1], [0.2]],)),
    ("KO_ARLIG_VEKST", ([[0.1], [0.2]],)),
    ("KO_SNITT", (VALUES, NAMES, "Trondheim")),
    ("KO_NTE_BESTE", (VALUES, NAMES, 2.0, "lav", "Trondheim")),
    ("KO_INNSPARING", (120.0, 95.0, 1000.0, "lav")),
    ("KO_BEHOVSKORRIGERT", (11000.0, 1.1)),
    ("KO_DEMOGRAFIKOSTNAD", (372600.0, 1350.0, 1450.0)),
    ("KO_SNITT", (VALUES, NAMES, "Trondhjem")),  # an error: the same #FEIL text
]


@pytest.mark.parametrize(
    ("name", "args"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)]
)
def test_lite_functions_return_what_the_classic_ones_return(
    lite: ModuleType, name: str, args: tuple[Any, ...]
) -> None:
    classic = getattr(udfs, name)(*args)
    got = _call(lite, name, *args)
    assert (
        _scalar(got) == pytest.approx(_scalar(classic))
        if not isinstance(_scalar(classic), str)
        else _scalar(got) == _scalar(classic)
    )


def test_every_classic_function_is_in_lite_with_its_help(lite: ModuleType) -> None:
    from xlwings.server import custom_functions_meta

    meta = custom_functions_meta(lite)
    names = {f["name"] for f in meta["functions"]}
    classic = {n for n in dir(udfs) if n.startswith("KO_") and callable(getattr(udfs, n))}
    assert names == classic
    snitt = next(f for f in meta["functions"] if f["name"] == "KO_SNITT")
    assert "Snittet av sammenligningskommunenes verdier" in snitt["description"]
    assert any("Verdiene, én per kommune" in p.get("description", "") for p in snitt["parameters"])


def test_the_beregn_script_does_what_the_button_does(lite: ModuleType, tmp_path: Path) -> None:
    from xlwings.server import custom_scripts_call

    example = REPO / "workbooks" / "innsparing_trondheim_2007.xlsx"
    book = open_remote(payload(example))
    asyncio.run(custom_scripts_call(lite, "beregn", typehint_to_value={xw.Book: book}))
    direct = open_remote(payload(example))
    macros.beregn(direct)
    assert actions_of(book) == actions_of(direct) and actions_of(book)


def test_the_generated_lite_files_are_current() -> None:
    for name, text in _load_build().lite_files().items():
        assert (LITE / name).read_text(encoding="utf-8") == text, name


def test_the_engine_lite_runs_needs_nothing_pyodide_lacks() -> None:
    """Pyodide has no python-calamine (Rust) and no usable httpx: what the Lite edition
    imports must not need them (the package's dependencies skip them there)."""
    code = (
        "import json, sys\n"
        "import kommuneokonomi.udfs, kommuneokonomi.macros, kommuneokonomi.service\n"
        "print(json.dumps(sorted(m for m in ('python_calamine', 'httpx') if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == []
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "\"python-calamine>=0.3; sys_platform != 'emscripten'\"" in pyproject
    assert "\"httpx>=0.27; sys_platform != 'emscripten'\"" in pyproject
