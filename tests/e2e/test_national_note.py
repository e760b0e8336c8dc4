"""The note of a national run ('Egen kommune' = Alle: every municipality against its own
group): sums over the municipalities per sector and per group, the municipalities with the
most, all computed here from the engine's per-municipality table (tblInnsparingKommuner as the
workbook shows it), not from the note; refused while the workbook is not recalculated or stale.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import docx
import openpyxl
import pytest

from kommuneokonomi.workbook import layout as L
from kommuneokonomi.workbook.fastread import CalamineBook

from ..trust.helpers import digest, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.generate import generate, write_workbook


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nasjonal")
    book = folder / "alle.xlsx"
    write_workbook(generate(scale=0.01, seed=3), book)
    before = digest(book)
    refused = run_cli("notat", book, "--format", "txt")
    assert refused.code == 2 and "er ikke beregnet" in refused.err
    assert digest(book) == before
    assert run_cli("recalc", book).code in (0, 1)
    text = run_cli("notat", book, "--format", "txt")
    assert text.code == 0, text.err
    word = run_cli("notat", book, "--uten-pdf")
    assert word.code == 0, word.err
    return {"book": book, "txt": folder / "alle_notat.txt", "docx": folder / "alle_notat.docx"}


def _shown(book: Path) -> list[dict[str, object]]:
    """tblInnsparingKommuner as the recalculated workbook shows it."""
    raw = CalamineBook(book).read_table(L.INNSPARING_KOMMUNER)
    return [dict(zip(raw.headers, row, strict=True)) for row in raw.rows]


def _mill(x: float) -> str:
    """A sum as the note prints it (one decimal, Norwegian)."""
    whole, frac = f"{x:.1f}".split(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups},{frac}"


def _norm(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def test_the_sums_per_sector_are_the_municipalities_summed(national: dict[str, Path]) -> None:
    rows = _shown(national["book"])
    text = _norm(national["txt"].read_text("utf-8"))
    sectors: dict[str, list[float]] = {}
    for r in rows:
        sums = sectors.setdefault(str(r["Sektor"]), [0.0, 0.0, 0])  # type: ignore[list-item]
        sums[0] += float(r["Innsparing 1 (mill. kr)"])  # type: ignore[arg-type]
        sums[1] += float(r["Innsparing 2 (mill. kr)"])  # type: ignore[arg-type]
        sums[2] += float(r["Innsparing 1 (mill. kr)"]) > 0  # type: ignore[arg-type]
    for sektor, (one, two, count) in sectors.items():
        line = re.search(rf"^{sektor}\s+(\d+)\s+([\d ,]+?)\s{{2,}}([\d ,]+)$", text, re.M)
        assert line is not None, sektor
        assert int(line[1]) == count
        assert line[2].strip() == _norm(_mill(one)) and line[3].strip() == _norm(_mill(two))
    total = sum(v[0] for v in sectors.values())
    assert f"Samlet er innsparingspotensialet {_norm(_mill(total))} millioner kroner" in text


def test_the_municipality_with_the_most_comes_first(national: dict[str, Path]) -> None:
    per: dict[tuple[str, str], float] = {}
    for r in _shown(national["book"]):
        key = (str(r["Kommune"]), str(r["Gruppe"]))
        per[key] = per.get(key, 0.0) + float(r["Innsparing 1 (mill. kr)"])  # type: ignore[arg-type]
    (kommune, gruppe), most = max(per.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0][0]]))
    text = _norm(national["txt"].read_text("utf-8"))
    assert (
        f"Størst innsparingsmulighet har {kommune} ({gruppe}): {_norm(_mill(most))} millioner"
        in text
    )
    assert "De 10 kommunene med størst innsparingsmulighet" in text
    groups = {g for _, g in per}
    assert f"sin gruppe ({len(groups)} grupper)" in text
    assert f"{len({k for k, _ in per})} kommuner" in text


def test_the_document_has_its_tables_chart_and_no_nan(national: dict[str, Path]) -> None:
    d = docx.Document(str(national["docx"]))
    assert d.paragraphs[0].text.startswith("Innsparingsmuligheter i alle kommunene ")
    assert len(d.tables) == 3 and len(d.inline_shapes) == 1
    assert d.tables[0].rows[-1].cells[0].text == "Sum"
    words = "\n".join(p.text for p in d.paragraphs)
    assert not re.search(r"\b(nan|NaN|None|inf|True|False)\b", words)


def test_a_changed_national_workbook_is_refused(national: dict[str, Path], tmp_path: Path) -> None:
    changed = tmp_path / "endret.xlsx"
    wb = openpyxl.load_workbook(national["book"])
    ws = wb["Data"]
    first = ws["A2"].value
    for row in ws.iter_rows(min_row=2):  # one municipality's figures, every one tripled
        if row[0].value == first and isinstance(row[3].value, int | float):
            row[3].value = row[3].value * 3
    wb.save(changed)
    run = run_cli("notat", changed, "--format", "txt", "-o", tmp_path / "n.txt")
    assert run.code == 2 and "eldre enn inndataene" in run.err
    assert not (tmp_path / "n.txt").exists()
