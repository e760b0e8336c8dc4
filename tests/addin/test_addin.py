"""The Excel add-in: built reproducibly from text, structurally valid, and safe.

What Excel itself does with the file can only be checked on Windows
(docs/windows-sjekkliste.md). Here the built ``addin/dist/kommuneokonomi.xlam`` is read back by
independent readers: zipfile and ElementTree for the OOXML package, olefile (strict) for the
compound file, oletools' olevba for the VBA source, and LibreOffice, which imports the VBA
project and the config sheet on its own.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import io
import json
import os
import re
import struct
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from types import ModuleType
from xml.etree import ElementTree

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oletools.olevba import VBA_Parser, decompress_stream

from kommuneokonomi import addin, cli
from kommuneokonomi.office import convert, soffice_path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "addin" / "src"
DIST = REPO / "addin" / "dist" / "kommuneokonomi.xlam"
CHECKLIST = REPO / "docs" / "windows-sjekkliste.md"

NS_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_UI14 = "{http://schemas.microsoft.com/office/2009/07/customui}"
CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
REL_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"

# The ribbon's controls: "Ny analyse" is a menu with one button per template.
BUTTONS = {
    "Beregn",
    "Kontroller",
    "Lag notat",
    "Innsparingsanalyse",
    "Standardanalyse (KOSTRA) ...",
    "Budsjettkontroll",
    "Økonomiplan (HØP)",
    "Importer funksjoner",
    "Hjelp",
    "Hent KOSTRA-tall",
}
MENUS = {"Ny analyse"}
MACROS = {
    "beregn_knapp",
    "kontroller_knapp",
    "ny_analyse_knapp",
    "ny_standardanalyse_knapp",
    "hent_kostra_knapp",
    "lag_notat_knapp",
}


@functools.cache
def _load_build() -> ModuleType:
    """``scripts/build_addin.py`` as a module (loaded once)."""
    spec = importlib.util.spec_from_file_location("build_addin", REPO / "scripts/build_addin.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_addin"] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def build() -> ModuleType:
    return _load_build()


@pytest.fixture(scope="module")
def fresh(build: ModuleType) -> bytes:
    data: bytes = build.build_bytes()
    return data


@pytest.fixture(scope="module")
def parts(fresh: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(fresh)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.fixture(scope="module")
def vba_bin(parts: dict[str, bytes]) -> bytes:
    return parts["xl/vbaProject.bin"]


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("\r\n", "\n")


def _code_lines(text: str) -> str:
    """VBA without comments (a ' outside a string starts one)."""
    out = []
    for line in text.split("\n"):
        in_string = False
        for i, ch in enumerate(line):
            if ch == '"':
                in_string = not in_string
            elif ch == "'" and not in_string:
                line = line[:i]
                break
        out.append(line)
    return "\n".join(out)


# --- reproducible build -----------------------------------------------------------------------


def test_build_is_reproducible(build: ModuleType, fresh: bytes) -> None:
    assert build.build_bytes() == fresh


def test_committed_addin_equals_a_fresh_build(fresh: bytes) -> None:
    assert DIST.exists(), "addin/dist/kommuneokonomi.xlam mangler: kjør scripts/build_addin.py"
    assert DIST.read_bytes() == fresh, "utdatert tillegg: kjør python scripts/build_addin.py"


def test_check_mode_reports_stale_output(build: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "k.xlam"
    assert build.main(["--out", str(out), "--check"]) == 1
    assert build.main(["--out", str(out)]) == 0
    assert build.main(["--out", str(out), "--check"]) == 0


def test_zip_entries_are_fixed(fresh: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(fresh)) as z:
        assert z.testzip() is None
        infos = z.infolist()
    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


# --- OOXML package ----------------------------------------------------------------------------


def test_content_types_cover_every_part(parts: dict[str, bytes]) -> None:
    types = ElementTree.fromstring(parts["[Content_Types].xml"])
    defaults = {e.get("Extension"): e.get("ContentType") for e in types.iter(f"{NS_CT}Default")}
    overrides = {e.get("PartName"): e.get("ContentType") for e in types.iter(f"{NS_CT}Override")}
    assert overrides["/xl/workbook.xml"] == CT_ADDIN
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        suffix = name.rsplit(".", 1)[-1]
        assert f"/{name}" in overrides or suffix in defaults, name
    for part in overrides:
        assert part.lstrip("/") in parts, part


def _relationships(parts: dict[str, bytes], rels: str) -> dict[str, str]:
    root = ElementTree.fromstring(parts[rels])
    base = PurePosixPath(rels).parent.parent
    out = {}
    for rel in root.iter(f"{NS_REL}Relationship"):
        target = str(base / rel.get("Target", "")).lstrip("./") or rel.get("Target", "")
        assert target in parts, f"{rels}: {target} missing"
        out[rel.get("Type", "")] = target
    return out


def test_relationships_reach_ribbon_workbook_and_vba(parts: dict[str, bytes]) -> None:
    package = _relationships(parts, "_rels/.rels")
    assert package[REL_DOC] == "xl/workbook.xml"
    assert package[REL_UI14] == "customUI/customUI14.xml"
    workbook = _relationships(parts, "xl/_rels/workbook.xml.rels")
    assert workbook[REL_VBA] == "xl/vbaProject.bin"


def test_every_xml_part_parses(parts: dict[str, bytes]) -> None:
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ElementTree.fromstring(data)


def test_workbook_has_the_config_sheet_and_code_names(parts: dict[str, bytes]) -> None:
    workbook = ElementTree.fromstring(parts["xl/workbook.xml"])
    pr = workbook.find(f"{NS_MAIN}workbookPr")
    assert pr is not None and pr.get("codeName") == "ThisWorkbook"
    sheets = [s.get("name") for s in workbook.iter(f"{NS_MAIN}sheet")]
    assert sheets == ["kommuneokonomi.conf"]  # xlwings reads "<PROJECT_NAME>.conf"
    sheet = ElementTree.fromstring(parts["xl/worksheets/sheet1.xml"])
    sheet_pr = sheet.find(f"{NS_MAIN}sheetPr")
    assert sheet_pr is not None and sheet_pr.get("codeName") == "Sheet1"
    rows = [
        ["".join(c.itertext()) for c in row.iter(f"{NS_MAIN}c")]
        for row in sheet.iter(f"{NS_MAIN}row")
    ]
    assert rows == [
        ["UDF Modules", "kommuneokonomi.udfs"],
        ["ADD_WORKBOOK_TO_PYTHONPATH", "false"],
    ]


def test_config_names_no_interpreter_and_no_pythonpath(build: ModuleType) -> None:
    keys = {key.upper() for key, _ in build.read_config(SRC / "kommuneokonomi.conf")}
    assert not keys & {"INTERPRETER", "INTERPRETER_WIN", "INTERPRETER_MAC", "PYTHONPATH"}
    assert not keys & {"CONDA PATH", "CONDA ENV", "LICENSE_KEY"}


# --- ribbon -----------------------------------------------------------------------------------


def _public_subs() -> dict[str, str]:
    """Public Subs of Kommuneokonomi.bas: name -> parameter list."""
    code = _text(SRC / "Kommuneokonomi.bas")
    return dict(re.findall(r"^Public Sub (\w+)\(([^)]*)\)", code, flags=re.MULTILINE))


def test_ribbon_has_the_buttons_with_existing_callbacks(parts: dict[str, bytes]) -> None:
    assert parts["customUI/customUI14.xml"] == (SRC / "customUI14.xml").read_bytes()
    root = ElementTree.fromstring(parts["customUI/customUI14.xml"])
    assert root.tag == f"{NS_UI14}customUI"
    tabs = list(root.iter(f"{NS_UI14}tab"))
    assert [t.get("label") for t in tabs] == ["Kommuneøkonomi"]
    assert {m.get("label") for m in root.iter(f"{NS_UI14}menu")} == MENUS
    buttons = list(root.iter(f"{NS_UI14}button"))
    assert {b.get("label") for b in buttons} == BUTTONS
    assert len(buttons) == len(BUTTONS)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    subs = _public_subs()
    for button in buttons:
        module, _, sub = (button.get("onAction") or "").partition(".")
        assert module == "Kommuneokonomi", button.get("label")
        assert subs.get(sub) == "control As IRibbonControl", f"{sub} mangler i .bas"
        assert button.get("imageMso")


# --- VBA project ------------------------------------------------------------------------------


def test_olevba_reads_back_the_sources(fresh: bytes, tmp_path: Path) -> None:
    path = tmp_path / "kommuneokonomi.xlam"
    path.write_bytes(fresh)
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros()
        code = {name: text for (_, _, name, text) in parser.extract_macros()}
    finally:
        parser.close()
    assert set(code) == {
        "ThisWorkbook.cls",
        "Sheet1.cls",
        "Kommuneokonomi.bas",
        "xlwings.bas",
        "xlwings_udfs.bas",
        "Funksjonshjelp.bas",
    }
    for name in ("Kommuneokonomi", "xlwings", "xlwings_udfs", "Funksjonshjelp"):
        stored = code[f"{name}.bas"]
        assert "\n" not in stored.replace("\r\n", "")  # CRLF only, as VBA stores it
        assert stored.replace("\r\n", "\n").rstrip("\n") == _text(SRC / f"{name}.bas").rstrip("\n")
    assert code["ThisWorkbook.cls"].startswith('Attribute VB_Name = "ThisWorkbook"\r\n')


def test_the_functions_are_declared_in_the_add_in_without_vba_project_access(
    fresh: bytes, tmp_path: Path
) -> None:
    """Issue 14: the worksheet functions ship declared (xlwings' own generator, at build
    time) with their help registered when the add-in opens, so no user needs "Trust access to
    the VBA project object model"; Importer funksjoner is a repair action only."""
    from kommuneokonomi import udfs

    path = tmp_path / "kommuneokonomi.xlam"
    path.write_bytes(fresh)
    parser = VBA_Parser(str(path))
    try:
        code = {name: text for (_, _, name, text) in parser.extract_macros()}
    finally:
        parser.close()
    functions = sorted(n for n in dir(udfs) if n.startswith("KO_") and callable(getattr(udfs, n)))
    assert len(functions) >= 10
    # the functions pass the workbook and the calling cell only under this constant, as
    # xlwings' import_udfs writes it
    assert '#Const App = "Microsoft Excel"' in code["xlwings_udfs.bas"]
    declared = re.findall(r"^Function (KO_\w+)\(", code["xlwings_udfs.bas"], re.MULTILINE)
    assert declared == functions
    for name in functions:  # each calls Python through xlwings, with the caller
        assert (
            f'{name} = XLPy.CallUDF("kommuneokonomi.udfs", "{name}", ' in code["xlwings_udfs.bas"]
        )
    help_code = code["Funksjonshjelp.bas"]
    registered = re.findall(r'Macro:=tillegg & "(KO_\w+)"', help_code)
    assert registered == functions
    assert 'Category:="Kommuneøkonomi"' in help_code
    # the workbook registers the help on opening, through a module Importer never replaces
    this = code["ThisWorkbook.cls"]
    assert "Private Sub Workbook_Open()" in this
    assert "Funksjonshjelp.RegistrerFunksjoner" in this and "xlwings_udfs." not in this
    assert "VBProject" not in help_code and "VBProject" not in this
    # every line fits VBA's 1023 characters
    assert max(len(line) for text in code.values() for line in text.split("\r\n")) <= 1023


def test_the_generated_modules_are_current(build: ModuleType) -> None:
    """addin/src/xlwings_udfs.bas and Funksjonshjelp.bas are what xlwings' generator makes
    from kommuneokonomi.udfs now (a changed function needs python scripts/build_addin.py --udfs)."""
    for name, text in build.udf_modules().items():
        assert _text(SRC / f"{name}.bas") == text.replace("\r\n", "\n"), name


def _decrypt(text: str) -> tuple[int, bytes]:
    """[MS-OVBA] 2.4.3.3 data decryption: (project key, data)."""
    raw = bytes.fromhex(text)
    seed, version_enc, key_enc = raw[0], raw[1], raw[2]
    assert seed ^ version_enc == 2
    key = seed ^ key_enc
    unencrypted_1, encrypted_1, encrypted_2 = key, key_enc, version_enc
    out = []
    for byte_enc in raw[3:]:
        byte = byte_enc ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    ignored = (seed & 6) // 2
    length = int.from_bytes(bytes(out[ignored : ignored + 4]), "little")
    data = bytes(out[ignored + 4 :])
    assert len(data) == length
    return key, data


def test_encryption_reproduces_the_spec_example(build: ModuleType) -> None:
    # [MS-OVBA] 3.1.6 (PROJECT stream example): same project id, seeds and ignored bytes.
    project_id = "{917DED54-440B-4FD1-A5C1-74ACF261E600}"
    assert build.encrypt(project_id, bytes(4), seed=0x07) == "0705D8E3D8EDDBF1DBF1DBF1DBF1"
    assert build.encrypt(project_id, b"\x00", seed=0x0E) == "0E0CD1ECDFF4E7F5E7F5E7"
    assert build.encrypt(project_id, b"\xff", seed=0x15) == "1517CAF1D6F9D7F9D706"


def test_project_stream(vba_bin: bytes) -> None:
    ole = olefile.OleFileIO(vba_bin, raise_defects=olefile.DEFECT_INCORRECT)
    text = ole.openstream("PROJECT").read().decode("cp1252")
    lines = text.split("\r\n")
    props = dict(line.split("=", 1) for line in lines[: lines.index("")])
    project_id = props["ID"].strip('"')
    assert re.fullmatch(r"\{[0-9A-F-]{36}\}", project_id)
    assert [line for line in lines if line.startswith(("Document=", "Module="))] == [
        "Document=ThisWorkbook/&H00000000",
        "Document=Sheet1/&H00000000",
        "Module=Kommuneokonomi",
        "Module=xlwings",
        "Module=xlwings_udfs",
        "Module=Funksjonshjelp",
    ]
    expected_key = sum(project_id.encode()) & 0xFF
    assert _decrypt(props["CMG"].strip('"')) == (expected_key, bytes(4))  # not protected
    assert _decrypt(props["DPB"].strip('"')) == (expected_key, b"\x00")  # no password
    assert _decrypt(props["GC"].strip('"')) == (expected_key, b"\xff")  # visible
    assert "[Host Extender Info]" in lines
    # version-independent: Excel compiles from source ([MS-OVBA] 2.3.4.1)
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")


def _records(data: bytes) -> Iterator[tuple[int, bytes]]:
    i = 0
    while i < len(data):
        rid, size = struct.unpack_from("<HI", data, i)
        if rid == 0x0009:  # PROJECTVERSION: Reserved=4, then 6 bytes
            size = 6
        yield rid, data[i + 6 : i + 6 + size]
        i += 6 + size


def test_dir_stream(vba_bin: bytes) -> None:
    ole = olefile.OleFileIO(vba_bin, raise_defects=olefile.DEFECT_INCORRECT)
    data = bytes(decompress_stream(bytearray(ole.openstream("VBA/dir").read())))
    records = list(_records(data))
    first = dict(records[:4])
    assert struct.unpack("<H", first[0x0003])[0] == 1252
    names = [value.decode("cp1252") for rid, value in records if rid == 0x0019]
    assert names == [
        "ThisWorkbook",
        "Sheet1",
        "Kommuneokonomi",
        "xlwings",
        "xlwings_udfs",
        "Funksjonshjelp",
    ]
    offsets = [struct.unpack("<I", v)[0] for rid, v in records if rid == 0x0031]
    assert offsets == [0] * 6  # source only, no compiled code
    types = [rid for rid, _ in records if rid in (0x0021, 0x0022)]
    assert types == [0x0022, 0x0022, 0x0021, 0x0021, 0x0021, 0x0021]
    references = [v.decode("cp1252") for rid, v in records if rid == 0x0016]
    assert references == ["stdole", "Office"]
    assert records[-1] == (0x0010, b"")
    for name in names:
        assert ole.exists(f"VBA/{name}")


def test_compound_file_directory_is_a_valid_red_black_tree(vba_bin: bytes) -> None:
    ole = olefile.OleFileIO(vba_bin, raise_defects=olefile.DEFECT_INCORRECT)
    entries = {e.sid: e for e in ole.direntries if e is not None}
    nostream = olefile.NOSTREAM

    def key(sid: int) -> tuple[int, str]:
        name = entries[sid].name
        return (len(name), name.upper())

    def check(sid: int) -> tuple[int, list[int]]:
        """(black height, in-order sids) of the subtree at sid."""
        if sid == nostream:
            return 1, []
        e = entries[sid]
        lh, lo = check(e.sid_left)
        rh, ro = check(e.sid_right)
        assert lh == rh, f"unequal black heights under {e.name}"
        if e.color == 0:  # red: children black
            for c in (e.sid_left, e.sid_right):
                assert c == nostream or entries[c].color == 1
        return lh + e.color, [*lo, sid, *ro]

    for e in entries.values():
        if e.entry_type in (olefile.STGTY_ROOT, olefile.STGTY_STORAGE) and e.sid_child != nostream:
            root = entries[e.sid_child]
            assert root.color == 1
            _, order = check(e.sid_child)
            assert [key(s) for s in order] == sorted(key(s) for s in order)


def test_compression_matches_the_spec_examples(build: ModuleType) -> None:
    # [MS-OVBA] 3.2.1 and 3.2.2
    assert build.compress(b"abcdefghijklmnopqrstuv.") == bytes.fromhex(
        "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E"
    )
    assert build.compress(b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa") == (
        bytes.fromhex(
            "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B"
            " 6C 00 20 6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C"
        )
    )


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab \r\nDimx()=", max_size=9000))
def test_compression_round_trips_through_oletools(text: str) -> None:
    data = text.encode()
    assert bytes(decompress_stream(bytearray(_load_build().compress(data)))) == data


def test_incompressible_full_chunks_are_stored_raw(build: ModuleType) -> None:
    data = bytes((i * 7919 + (i >> 3) * 104729) % 251 for i in range(8192))
    assert bytes(decompress_stream(bytearray(build.compress(data)))) == data


# --- what the VBA does ------------------------------------------------------------------------

DENIED = [
    r"\bShell\b",
    r"\bKill\b",
    r"\bEnviron\b",
    r"\bCreateObject\b",
    r"\bGetObject\b",
    r"\bWScript\b",
    r"\bDeclare\b",
    r"\bSendKeys\b",
    r"\bExecuteExcel4Macro\b",
    r"\bOpen\b[^\n]*\bFor\b",
    r"\.Run\b",
    r"\bVBComponents\.(Import|Remove|Add)\b",
    r"\bCodeModule\b",
    r"\bSaveAs\b",
]


def test_own_vba_runs_no_program_and_deletes_nothing() -> None:
    code = _code_lines(_text(SRC / "Kommuneokonomi.bas"))
    for pattern in DENIED:
        assert not re.search(pattern, code, flags=re.IGNORECASE), pattern
    assert not re.search(r'"[A-Za-z]:\\', code), "hard-coded path"
    for word in ("python.exe", "pythonw", "PYTHONPATH", "INTERPRETER"):
        assert word.lower() not in code.lower(), word


def test_own_vba_calls_only_the_expected_python() -> None:
    code = _text(SRC / "Kommuneokonomi.bas")
    prefix = re.search(r'MAKROER As String = "([^"]*)"', code)
    assert prefix is not None
    assert prefix.group(1) == "import kommuneokonomi.macros as m; m."
    called = set(re.findall(r'KjorPython "(\w+)\(', code))
    assert called == MACROS
    assert set(re.findall(r'NyAnalyse "(\w+)"', code)) == {"innsparing", "budsjett", "plan"}
    assert _code_lines(code).count("RunPython ") == 1  # only through KjorPython


def test_own_vba_uses_only_what_the_xlwings_module_defines() -> None:
    xlwings = _text(SRC / "xlwings.bas")
    defined = set(re.findall(r"^(?:Public |Private )?(?:Function|Sub) (\w+)", xlwings, re.M))
    defined |= set(re.findall(r"^Public Const (\w+)", xlwings, re.M))
    used = {"RunPython", "XLPy", "GetUdfModules", "GetConfig", "CheckConda", "GetConfigFilePath"}
    code = _text(SRC / "Kommuneokonomi.bas")
    for name in [*used, "XLWINGS_VERSION"]:
        assert re.search(rf"\b{name}\b", code), name
        assert name in defined, name


def test_vendored_xlwings_is_upstream_plus_documented_patches(build: ModuleType) -> None:
    expected = build.vendor_xlwings(build.installed_xlwings_module())
    assert _text(SRC / "xlwings.bas") == expected, (
        "addin/src/xlwings.bas avviker fra installert xlwings: "
        "kjør python scripts/build_addin.py --vendor-xlwings"
    )
    code = _code_lines(expected)
    # settings never come from the active workbook or its folder
    assert "SheetExists(ActiveWorkbook, PROJECT_NAME" not in code
    assert "FileExists(GetDirectoryConfigFilePath())" not in code
    assert 'PROJECT_NAME As String = "kommuneokonomi"' in code
    # the interpreter comes from the settings only, never from a path written in the code
    assert not re.search(r'"[A-Za-z]:\\', code)
    assert 'GetConfig("INTERPRETER_WIN", "")' in code


def test_xlwings_versions_agree() -> None:
    from importlib import metadata

    vba = re.search(r'XLWINGS_VERSION As String = "([^"]+)"', _text(SRC / "xlwings.bas"))
    assert vba is not None
    assert vba.group(1) == addin.XLWINGS_VERSION == metadata.version("xlwings")
    assert f"xlwings64-{addin.XLWINGS_VERSION}.dll" in _text(SRC / "xlwings.bas")


def test_python_entry_points_exist_when_written() -> None:
    if importlib.util.find_spec("kommuneokonomi.macros") is None:
        pytest.skip("kommuneokonomi.macros finnes ikke ennå")
    macros = importlib.import_module("kommuneokonomi.macros")
    missing = sorted(m for m in MACROS - {"hent_kostra_knapp"} if not hasattr(macros, m))
    assert not missing, f"kommuneokonomi.macros mangler {missing}"


def test_every_worksheet_function_is_in_the_checklist() -> None:
    if importlib.util.find_spec("kommuneokonomi.udfs") is None:
        pytest.skip("kommuneokonomi.udfs finnes ikke ennå")
    udfs = importlib.import_module("kommuneokonomi.udfs")
    # xw.func is a no-op off Windows, so the names come from the module itself.
    names = sorted(name for name, f in vars(udfs).items() if name.startswith("KO_") and callable(f))
    assert names, "kommuneokonomi.udfs har ingen KO_-funksjoner"
    checklist = CHECKLIST.read_text(encoding="utf-8")
    assert all(n.startswith("KO_") for n in names), names
    missing = [n for n in names if n not in checklist]
    assert not missing, f"mangler i docs/windows-sjekkliste.md: {missing}"


def _checklist_sheet(text: str) -> dict[str, object]:
    """The data block of the checklist's section 6b as cell -> value ("A2" -> "Oslo")."""
    cells: dict[str, object] = {}
    block = text.split("|   | A | B | C | D |", 1)[1].split("\n\n", 1)[0]
    for line in block.splitlines()[2:]:
        row, *values = [c.strip() for c in line.strip().strip("|").split("|")]
        for column, value in zip("ABCD", values, strict=True):
            cells[f"{column}{row}"] = _checklist_value(value) if value else None
    return cells


def _checklist_value(text: str) -> object:
    number = text.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        return float(number)
    except ValueError:
        return text


def _checklist_argument(text: str, sheet: dict[str, object]) -> object:
    """One formula argument as xlwings would pass it (ranges as 2-D lists, ndim=2)."""
    text = text.strip()
    if not text:
        return None
    if text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text in ("SANN", "USANN"):
        return text == "SANN"
    if text == "1/0":
        return "#DIV/0!"  # the error value, as err_to_str=True passes it on
    span = re.fullmatch(r"([A-D])(\d+):([A-D])(\d+)", text)
    if span:
        col, first, _, last = span.groups()
        return [[sheet[f"{col}{r}"]] for r in range(int(first), int(last) + 1)]
    value = _checklist_value(text)
    assert isinstance(value, float), text
    return value


def test_checklist_expected_values_are_what_the_functions_return() -> None:
    if importlib.util.find_spec("kommuneokonomi.udfs") is None:
        pytest.skip("kommuneokonomi.udfs finnes ikke ennå")
    udfs = importlib.import_module("kommuneokonomi.udfs")
    text = CHECKLIST.read_text(encoding="utf-8")
    sheet = _checklist_sheet(text)
    rows = re.findall(r"^\| (6\.\d+) \| `=(KO_\w+)\((.*)\)` \| ([^|]+) \|", text, re.M)
    assert len(rows) >= 17, rows
    for number, name, args, expected_text in rows:
        args_list = [_checklist_argument(a, sheet) for a in args.split(";")]
        result = getattr(udfs, name)(*args_list)
        expected = _checklist_value(expected_text.strip())
        if isinstance(expected, float):
            decimals = len(expected_text.strip().partition(",")[2])
            assert isinstance(result, float), (number, result)
            assert abs(result - expected) <= 0.5 * 10**-decimals + 1e-12, (number, result)
        else:
            assert result == expected, (number, result)
    # 6.28: a KOSTRA symbol in a growth series
    expected_628 = re.search(r"^\| 6\.28 \|[^|]*\| ([^|]+) \|", text, re.M)
    assert expected_628 is not None
    series = [[sheet["C2"]], [".."], [sheet["C4"]]]
    assert udfs.KO_VEKST(series) == expected_628.group(1).strip()


# --- an independent reader: LibreOffice -------------------------------------------------------


def test_libreoffice_imports_the_vba_project_and_config_sheet(
    parts: dict[str, bytes], tmp_path: Path
) -> None:
    if soffice_path() is None:
        if os.environ.get("CI"):
            pytest.fail("LibreOffice (soffice) mangler i CI; .ci/run skal installere det")
        pytest.skip("LibreOffice (soffice) er ikke installert")
    # LibreOffice refuses the add-in content type; the same package typed as .xlsm loads.
    source = tmp_path / "tillegg.xlsm"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            if name == "[Content_Types].xml":
                data = data.replace(
                    CT_ADDIN.encode(), b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
                )
            z.writestr(name, data)
    workdir = tmp_path / "libreoffice"
    workdir.mkdir()
    ods = convert(source, "ods", workdir, timeout=180)
    assert ods.exists()
    with zipfile.ZipFile(ods) as z:
        names = set(z.namelist())
        library = "Basic/KommuneokonomiTillegg"
        for module in ("Kommuneokonomi", "xlwings", "ThisWorkbook", "Sheet1"):
            assert f"{library}/{module}.xml" in names, sorted(names)
        basic = ElementTree.fromstring(z.read(f"{library}/Kommuneokonomi.xml")).text or ""
        content = z.read("content.xml").decode("utf-8")
    # LibreOffice decoded code page 1252 and kept every line of the source
    for line in _text(SRC / "Kommuneokonomi.bas").split("\n")[1:]:
        assert line in basic, line
    assert "kommuneokonomi.conf" in content and "kommuneokonomi.udfs" in content


# --- kommuneokonomi.addin: the install command ------------------------------------------------


def test_install_copies_the_addin_and_writes_the_interpreter(tmp_path: Path) -> None:
    folder = tmp_path / "XLSTART"
    config = tmp_path / "home" / ".kommuneokonomi" / "kommuneokonomi.conf"
    config.parent.mkdir(parents=True)
    config.write_bytes(b'"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n')
    exe = "C:\\Users\\Bjørn\\prosjekt\\.venv\\Scripts\\python.exe"
    result = addin.install(
        startup_folder=folder,
        config_file=config,
        settings=addin.interpreter_settings(executable=exe, environ={}),
        addin=DIST.read_bytes(),
        xlwings_version=addin.XLWINGS_VERSION,
    )
    assert result.addin == folder / "kommuneokonomi.xlam"
    assert result.addin.read_bytes() == DIST.read_bytes()
    assert sorted(p.name for p in folder.iterdir()) == ["kommuneokonomi.xlam"]
    assert not list(config.parent.glob("*.ny"))
    assert config.read_bytes() == (
        b'"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","' + exe.encode("cp1252") + b'"\r\n'
    )
    assert addin.read_config(config) == [("SHOW CONSOLE", "True"), ("INTERPRETER_WIN", exe)]


def test_conda_environment_is_configured_like_xlwings_does() -> None:
    env = {"CONDA_DEFAULT_ENV": "okonomi", "CONDA_EXE": "C:\\miniconda3\\Scripts\\conda.exe"}
    assert addin.interpreter_settings(executable="x", environ=env) == (
        ("CONDA PATH", "C:\\miniconda3"),
        ("CONDA ENV", "okonomi"),
    )


def test_switching_to_conda_drops_the_old_interpreter(tmp_path: Path) -> None:
    config = tmp_path / "k.conf"
    addin.write_config(config, [("INTERPRETER_WIN", "C:\\p\\python.exe")])
    addin.write_config(config, [("CONDA PATH", "C:\\c"), ("CONDA ENV", "base")])
    assert addin.read_config(config) == [("CONDA PATH", "C:\\c"), ("CONDA ENV", "base")]


@pytest.mark.parametrize(
    ("version", "message"),
    [(None, "xlwings er ikke installert"), ("0.30.0", "xlwings==0.37.8")],
)
def test_install_refuses_a_missing_or_other_xlwings(
    tmp_path: Path, version: str | None, message: str
) -> None:
    with pytest.raises(addin.AddinError, match=re.escape(message)):
        addin.install(
            startup_folder=tmp_path / "X",
            config_file=tmp_path / "c.conf",
            settings=(("INTERPRETER_WIN", "p"),),
            addin=b"x",
            xlwings_version=version,
        )
    assert not (tmp_path / "X").exists()


def test_a_path_excel_cannot_read_is_refused(tmp_path: Path) -> None:
    with pytest.raises(addin.AddinError, match="Windows-1252"):
        addin.write_config(tmp_path / "c.conf", [("INTERPRETER_WIN", "C:\\用户\\python.exe")])


def test_default_folders_follow_the_windows_environment(tmp_path: Path) -> None:
    env = {"APPDATA": "C:\\Users\\k\\AppData\\Roaming", "USERPROFILE": str(tmp_path)}
    assert addin.default_startup_folder(env) == Path(
        "C:\\Users\\k\\AppData\\Roaming", "Microsoft", "Excel", "XLSTART"
    )
    assert addin.default_config_file(env) == tmp_path / ".kommuneokonomi" / "kommuneokonomi.conf"
    with pytest.raises(addin.AddinError, match="--mappe"):
        addin.default_startup_folder({})


def test_command_line_install_status_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--mappe", str(tmp_path / "XLSTART"), "--konfig", str(tmp_path / "k.conf")]
    assert cli.main(["addin", "install", *args, "--python", "C:\\Python311\\python.exe"]) == 0
    out = capsys.readouterr().out
    assert "Tillegget er installert" in out and "Importer funksjoner" in out
    assert addin.read_config(tmp_path / "k.conf") == [
        ("INTERPRETER_WIN", "C:\\Python311\\python.exe")
    ]
    assert cli.main(["addin", "status", *args]) == 0
    assert "Tillegget er installert" in capsys.readouterr().out
    assert cli.main(["addin", "remove", *args]) == 0
    assert not (tmp_path / "XLSTART" / "kommuneokonomi.xlam").exists()
    assert cli.main(["addin", "remove", *args]) == 0
    assert "var ikke installert" in capsys.readouterr().out


def test_old_entry_point_is_an_alias_of_kommuneokonomi_addin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``kommuneokonomi-addin ARGS`` (addin.main) == ``kommuneokonomi addin ARGS``."""
    args = ["--mappe", str(tmp_path / "XLSTART"), "--konfig", str(tmp_path / "k.conf")]
    assert addin.main(["install", *args, "--python", "C:\\p\\python.exe"]) == 0
    installed = capsys.readouterr().out
    assert "Tillegget er installert" in installed
    assert addin.main(["status", *args]) == 0
    alias = capsys.readouterr().out
    assert cli.main(["addin", "status", *args]) == 0
    assert capsys.readouterr().out == alias
    assert addin.main(["avinstaller"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: argumentet HANDLING: ugyldig valg: 'avinstaller'")
    assert "bruk: kommuneokonomi addin" in err


def test_command_line_failure_is_one_norwegian_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(addin, "installed_xlwings_version", lambda: "0.1.0")
    args = ["--mappe", str(tmp_path / "X"), "--konfig", str(tmp_path / "k.conf")]
    assert cli.main(["addin", "install", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Feil: tillegget er laget for xlwings") and err.count("\n") == 1


def test_bundled_addin_is_the_built_one() -> None:
    assert addin.bundled_addin() == DIST.read_bytes()


def test_importing_the_installer_loads_no_excel_library() -> None:
    code = (
        "import json, sys\nimport kommuneokonomi.addin\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'xlwings')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_checklist_exists_and_names_every_button() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    for label in BUTTONS | MENUS:
        assert label in text, label
    assert "kommuneokonomi-addin install" in text


def test_packaged_addin_equals_the_build() -> None:
    """`pip install` ships src/kommuneokonomi/data/addin/: it must be the build's output too."""
    from kommuneokonomi.addin import ADDIN_FILE

    repo = Path(__file__).resolve().parents[2]
    packaged = repo / "src" / "kommuneokonomi" / "data" / "addin" / ADDIN_FILE
    assert packaged.read_bytes() == (repo / "addin" / "dist" / ADDIN_FILE).read_bytes()


class _Boxes:
    """Excel's InputBox as xlwings' ``app.api`` gives it: the answers in turn, False for
    Cancel; the prompts are kept."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.prompts: list[str] = []

    def InputBox(self, Prompt: str, Title: str, Type: int, Default: str = "") -> object:
        self.prompts.append(Prompt)
        return self.answers.pop(0)


def _app(boxes: _Boxes) -> object:
    return type("App", (), {"api": boxes})()


def test_ny_analyse_asks_for_kommune_year_and_group() -> None:
    from kommuneokonomi.macros import ask_analysis

    boxes = _Boxes(" Trondheim ", 2024.0, "EKG12")
    assert ask_analysis(_app(boxes)) == ("Trondheim", 2024, "EKG12")
    assert len(boxes.prompts) == 3
    assert "ASSS" in boxes.prompts[2] and "KOSTRA-gruppe" in boxes.prompts[2]
    assert "Alle" in boxes.prompts[0]


@pytest.mark.parametrize(
    "answers", [(False,), ("Bergen", False), ("Bergen", 2024.0, False), ("  ",)]
)
def test_ny_analyse_cancelled_or_blank_is_nothing(answers: tuple[object, ...]) -> None:
    from kommuneokonomi.macros import ask_analysis

    assert ask_analysis(_app(_Boxes(*answers))) is None
