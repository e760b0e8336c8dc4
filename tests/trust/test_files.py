"""Files that are not (good) workbooks: wrong format, encrypted, broken or hostile packages.

Each is refused before any table is read, with a Norwegian message naming the file, exit code
2, and the file's bytes unchanged. Hostile packages (XML entity expansion, external entities,
zip bombs) are refused before their XML is parsed: ``check_package`` looks for a DTD in every
XML part and limits what the zip may unpack to; openpyxl parses through defusedxml as a second
line of defence.
"""

from __future__ import annotations

import copy
import io
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from kommuneokonomi.workbook import files
from kommuneokonomi.workbook.build import SAVINGS_EXAMPLE

from .helpers import digest, run_cli, temp_files

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL_ENTITY = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def rewrite(
    source: bytes,
    change: Callable[[str, bytes], bytes | None],
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A copy of a zip package with each member passed through ``change`` (None drops it)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(source)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(copy.copy(info), data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def with_dtd(
    dtd: bytes, entity: bytes | None, *, padding: int = 0
) -> Callable[[str, bytes], bytes]:
    """Put a DTD (and a reference to its entity) into the first worksheet."""

    def change(name: str, data: bytes) -> bytes:
        if name != "xl/worksheets/sheet2.xml":
            return data
        if data.startswith(b"<?xml"):
            data = data.split(b"?>", 1)[1]
        if entity is not None:
            data = data.replace(b"<t>", b"<t>" + entity, 1)
        comment = b"<!--" + b"x" * padding + b"-->" if padding else b""
        return b'<?xml version="1.0" encoding="UTF-8"?>' + comment + dtd + data

    return change


def empty_workbook(_: bytes) -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def ods(_: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def encrypted(source: bytes) -> bytes:
    """A real password-protected workbook (ECMA-376 agile encryption) via msoffcrypto-tool."""
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    out = io.BytesIO()
    ooxml.OOXMLFile(io.BytesIO(source)).encrypt("hemmelig", out)
    return out.getvalue()


def fake_cfb(_: bytes) -> bytes:
    """What an encrypted .xlsx and an old .xls share: a Compound File Binary container. This
    one is faked (the CFB magic and a header's worth of bytes), which is all the check reads."""
    return OLE_MAGIC + bytes(504) + os.urandom(1024)


@dataclass(frozen=True)
class FileCase:
    make: Callable[[bytes], bytes]  # from the example's bytes to the file's bytes
    expect: str
    name: str = "bok.xlsx"


FILE_CASES: dict[str, FileCase] = {
    "tom arbeidsbok": FileCase(
        empty_workbook, "arbeidsboken har verken tabellene for innsparingsanalyse"
    ),
    "gammel .xls omdøpt til .xlsx (falsk CFB-fil)": FileCase(
        fake_cfb, "filen er passordbeskyttet (kryptert) eller i det gamle .xls-formatet"
    ),
    "passordbeskyttet .xlsx (ekte kryptering)": FileCase(
        encrypted, "filen er passordbeskyttet (kryptert) eller i det gamle .xls-formatet"
    ),
    ".ods omdøpt til .xlsx": FileCase(
        ods, "filen er et OpenDocument-regneark (.ods); lagre den som .xlsx"
    ),
    "CSV omdøpt til .xlsx": FileCase(
        lambda _: "kommune;år;verdi\nOslo;2007;1,5\n".encode(),
        "filen er ikke en gyldig Excel-fil (.xlsx)",
    ),
    "tilfeldige bytes": FileCase(
        lambda _: os.urandom(4096), "filen er ikke en gyldig Excel-fil (.xlsx)"
    ),
    "tom fil (0 bytes)": FileCase(lambda _: b"", "filen er ikke en gyldig Excel-fil (.xlsx)"),
    "avkuttet .xlsx": FileCase(
        lambda b: b[: len(b) // 2], "filen er ikke en gyldig Excel-fil (.xlsx)"
    ),
    "zip-fil som ikke er en arbeidsbok": FileCase(
        lambda _: rewrite(ods(b""), lambda n, d: None, {"a.txt": b"hei"}),
        "filen er en zip-fil, men ikke en Excel-arbeidsbok",
    ),
    "arbeidsbok uten xl/workbook.xml": FileCase(
        lambda b: rewrite(b, lambda n, d: None if n == "xl/workbook.xml" else d),
        "filen er en zip-fil, men ikke en Excel-arbeidsbok",
    ),
    "ødelagt XML i et ark": FileCase(
        lambda b: rewrite(
            b, lambda n, d: d[: len(d) // 2] if n == "xl/worksheets/sheet2.xml" else d
        ),
        "filen kan ikke leses som Excel-fil; den kan være skadet",
    ),
    "XML-entitetsutvidelse (billion laughs)": FileCase(
        lambda b: rewrite(b, with_dtd(BILLION_LAUGHS, b"&lol3;")), "XML med DTD/entiteter"
    ),
    "ekstern XML-entitet (XXE)": FileCase(
        lambda b: rewrite(b, with_dtd(EXTERNAL_ENTITY, b"&xxe;")), "XML med DTD/entiteter"
    ),
    "DTD bak en lang kommentar (defusedxml tar den)": FileCase(
        lambda b: rewrite(b, with_dtd(BILLION_LAUGHS, b"&lol3;", padding=files.XML_PROLOG_BYTES)),
        "filen inneholder XML-konstruksjoner som kan brukes til angrep",
    ),
    "zip-bombe (stort medlem)": FileCase(
        lambda b: rewrite(b, lambda n, d: d, {"xl/media/bombe.bin": bytes(20 * 1024 * 1024)}),
        "den avvises som en mulig zip-bombe",
    ),
    "zip-bombe (mange medlemmer)": FileCase(
        lambda b: rewrite(
            b, lambda n, d: d, {f"xl/x/{i}.bin": b"" for i in range(files.MAX_MEMBERS + 1)}
        ),
        "den avvises som en mulig zip-bombe",
    ),
    "feil filtype (.csv)": FileCase(
        lambda b: b, "filtypen '.csv' støttes ikke; bruk .xlsx eller .xlsm", "bok.csv"
    ),
}


@pytest.mark.parametrize("case", [pytest.param(c, id=k) for k, c in FILE_CASES.items()])
def test_bad_file(built: Path, tmp_path: Path, case: FileCase) -> None:
    path = tmp_path / case.name
    path.write_bytes(case.make((built / SAVINGS_EXAMPLE).read_bytes()))
    before = digest(path)
    for args in (("check", path), ("recalc", path, "-o", tmp_path / "ut.xlsx"), ("recalc", path)):
        run = run_cli(*args)
        assert run.code == 2, run
        assert run.err.startswith(f"Feil: fil {case.name}: "), run.err
        assert case.expect in run.err, run.err
        assert "Traceback" not in run.err
    assert digest(path) == before
    assert not (tmp_path / "ut.xlsx").exists()
    assert temp_files(tmp_path) == []


def test_missing_file_and_folder(tmp_path: Path) -> None:
    run = run_cli("check", tmp_path / "finnes_ikke.xlsx")
    assert run.code == 2 and "filen finnes ikke" in run.err
    (tmp_path / "mappe.xlsx").mkdir()
    run = run_cli("check", tmp_path / "mappe.xlsx")
    assert run.code == 2 and "dette er en mappe, ikke en fil" in run.err


def test_dtd_check_reads_every_xml_part(built: Path, tmp_path: Path) -> None:
    """A DTD in any part, not only the worksheets, is refused (and named)."""
    source = (built / SAVINGS_EXAMPLE).read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        parts = [n for n in z.namelist() if n.endswith((".xml", ".rels"))]
    assert len(parts) > 5
    for part in parts:

        def change(name: str, data: bytes, part: str = part) -> bytes:
            return EXTERNAL_ENTITY + data.split(b"?>", 1)[-1] if name == part else data

        path = tmp_path / "bok.xlsx"
        path.write_bytes(rewrite(source, change))
        run = run_cli("check", path)
        assert run.code == 2 and f"XML med DTD/entiteter ({part})" in run.err, (part, run.err)


def test_missing_sheet_part_is_not_reused_by_the_output(built: Path, tmp_path: Path) -> None:
    """Found by the fuzzer: a file whose first sheet's part is missing (the workbook still
    points to xl/worksheets/sheet1.xml) got the new output sheet under that very name, so
    both sheets pointed to it and the result did not open. The output takes a free name, the
    damaged reference stays as it was, and the input is unchanged."""
    source = (built / SAVINGS_EXAMPLE).read_bytes()
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        first = sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))[0]
    path = tmp_path / "bok.xlsx"
    path.write_bytes(rewrite(source, lambda name, data: None if name == first else data))
    before = digest(path)
    out = tmp_path / "ut.xlsx"
    run = run_cli("recalc", path, "-o", out)
    assert run.code == 0, run.err
    result = openpyxl.load_workbook(out)  # opens: no part is the target of two sheets
    assert {"Innsparing", "Innstillinger", "Data"} <= set(result.sheetnames)
    assert len(result["Innsparing"].tables) == 2
    with zipfile.ZipFile(out) as z:
        assert first not in z.namelist()
    assert digest(path) == before
