"""Calls that cannot reach another add-in (issue 14, point 4): «Importer funksjoner» writes the
functions as xlwings' import_udfs does, but every Application.Run names this add-in, so the
official xlwings add-in loaded side by side can never receive the call."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kommuneokonomi import excel_repair

REPO = Path(__file__).resolve().parents[2]


class Components:
    def __init__(self, *, refuse_import: bool) -> None:
        self.refuse_import = refuse_import
        self.removed: list[str] = []
        self.imported: list[str] = []

    def __call__(self, name: str) -> str:
        return name

    def Remove(self, component: str) -> None:
        self.removed.append(component)

    def Import(self, path: str) -> None:
        if self.refuse_import:
            raise RuntimeError("Automation error 440")
        self.imported.append(Path(path).read_text())


class Application:
    def __init__(self) -> None:
        self.runs: list[tuple[Any, ...]] = []

    def Run(self, *args: Any) -> None:
        if len(args) > 1:  # the fallback imports the file it is given
            args = (args[0], Path(args[1]).read_text())
        self.runs.append(args)


class Project:
    def __init__(self, components: Components) -> None:
        self.VBComponents = components


class AddIn:
    Name = "kommuneokonomi.xlam"

    def __init__(self, *, refuse_import: bool = False) -> None:
        self.VBProject = Project(Components(refuse_import=refuse_import))
        self.Application = Application()


def _generate(name: str, module: Any, out: Any, workbook: Any) -> None:
    out.write(f"Function KO_X()\n    ' {name} {workbook.Name}\nEnd Function\n")


@pytest.mark.parametrize("refuse_import", [False, True])
def test_importer_funksjoner_names_this_add_in_in_every_run(refuse_import: bool) -> None:
    book = AddIn(refuse_import=refuse_import)
    text = excel_repair.import_functions("kommuneokonomi.udfs", book, generate=_generate)
    assert "kommuneokonomi.udfs" in text
    components = book.VBProject.VBComponents
    assert components.removed == ["xlwings_udfs"]
    runs = book.Application.runs
    assert all(str(r[0]).startswith("'kommuneokonomi.xlam'!") for r in runs)
    assert runs[-1] == ("'kommuneokonomi.xlam'!Funksjonshjelp.RegistrerFunksjoner",)
    module = runs[0][1] if refuse_import else components.imported[0]
    assert module.startswith('Attribute VB_Name = "xlwings_udfs"\n')
    assert '#Const App = "Microsoft Excel"' in module and "Function KO_X()" in module
    if refuse_import:
        assert runs[0][0] == "'kommuneokonomi.xlam'!ImportXlwingsUdfsModule"
    else:
        assert len(runs) == 1


def test_no_unqualified_application_run_remains() -> None:
    """Every Application.Run in our Python and VBA names a workbook ('Book'!Macro)."""
    sources = [
        *(REPO / "src" / "kommuneokonomi").rglob("*.py"),
        *(REPO / "addin" / "src").glob("*.bas"),
    ]
    found = []
    for path in sources:
        for line in path.read_text(encoding="utf-8").splitlines():
            # a call: Application.Run(...) in Python, Application.Run "..." in VBA
            for m in re.finditer(r"Application\.Run(?:\(|\s+(?=\"))\s*(.+)", line):
                argument = m.group(1).strip()
                if not (argument.startswith("qualified(") or argument.startswith("\"'")):
                    found.append(f"{path.name}: {line.strip()}")
    assert found == []
    vba = (REPO / "addin" / "src" / "Kommuneokonomi.bas").read_text(encoding="utf-8")
    assert 'XLPy.Module("kommuneokonomi.excel_repair"), "import_functions"' in vba
    assert '"import_udfs"' not in vba  # xlwings' own import, with its unqualified fallback
