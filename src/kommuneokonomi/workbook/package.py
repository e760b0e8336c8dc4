"""Replace output sheets inside a workbook package without rewriting its other parts.

The slow way to write output sheets is to load the whole workbook with openpyxl and save it
again: every input sheet is parsed and written anew (15-35 s for a national ``tblData``). This
module works on the package (the zip of XML parts) instead. The output sheets are rendered by
XlsxWriter into a *small* workbook of their own (:func:`.files.render_outputs`, cached values of
the formulas included), and :func:`replace_output_sheets` moves those sheets (with their tables,
drawings and charts) into a copy of the original package:

* every part of the original that does not belong to a replaced output sheet is copied with
  identical bytes: its compressed data are copied as they are, without unpacking them, so a
  sheet of 120 MB costs a file copy;
* the old output sheet (found by name, case-insensitively) loses its sheet part and every part
  reachable only through it (tables, drawings, charts, comments, printer settings, ...); the new
  one keeps the old one's place, ``sheetId``, relationship id and visibility; a sheet that did
  not exist is added at the end;
* the transplanted parts get fresh part names; table ids are renumbered to be unique in the
  package (table names stay); relationships are rewritten to the new names;
* the style indices of the transplanted cells (``s``, row ``s``, column ``style``) and the
  ``dxfId`` of conditional formats and tables are remapped to entries appended to the
  original ``styles.xml`` (fonts, fills, borders, number formats, cell formats and
  differential formats; an identical entry already present is reused, so recalculating
  again and again does not grow the file). Existing entries keep their indices;
* shared strings of the rendered sheets (XlsxWriter writes them; openpyxl 3.1 writes inline
  strings) are turned into inline strings, so the original ``sharedStrings.xml`` is untouched;
* ``workbook.xml``, its relationships, ``[Content_Types].xml`` and ``styles.xml`` are changed by
  small text edits (or, for the relationship and content-type parts whose schema has nothing
  else in it, re-serialised), so namespace prefixes and ``mc:Ignorable`` declarations stay as
  they were. ``fullCalcOnLoad="1"`` is set on ``calcPr``, like openpyxl does, and
  ``xl/calcChain.xml`` is dropped (Excel rebuilds it; entries for replaced cells would be
  stale). ``docProps/app.xml`` and ``docProps/core.xml`` are left as they are (the list of
  sheet titles in app.xml may be stale; Excel ignores it on load and rewrites it on save).

A package this module does not understand raises :class:`PackageError`; the caller can fall
back to the openpyxl path.

:func:`workbook_names` lists the table and defined names of a package (and the sheet of each
table), so a writer can refuse a clashing output table before anything is written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import posixpath
import re
import shutil
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from ..errors import LayoutError, Location

__all__ = ["PackageError", "atomic_target", "replace_output_sheets", "workbook_names"]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_NS = "http://www.w3.org/XML/1998/namespace"

REL_OFFICE_DOCUMENT = REL_NS + "/officeDocument"
REL_WORKSHEET = REL_NS + "/worksheet"
REL_STYLES = REL_NS + "/styles"
REL_CALC_CHAIN = REL_NS + "/calcChain"
REL_SHARED_STRINGS = REL_NS + "/sharedStrings"
REL_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
REL_TABLE = REL_NS + "/table"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_MACRO_WORKBOOK = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"

#: The order of the children of ``<styleSheet>`` (ECMA-376 CT_Stylesheet).
_STYLE_SECTIONS = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)
#: The children of ``<workbook>`` that come before ``<calcPr>`` (CT_Workbook).
_BEFORE_CALC_PR = (
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
    "definedNames",
)
_FIRST_CUSTOM_NUMFMT = 164

# An attribute inside a start tag; quoted values may hold any character but their quote.
_ATTR = r"""\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*')"""
_ATTR_PAIR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


class PackageError(ValueError):
    """The package has a shape this module does not handle (use the openpyxl path)."""


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def replace_output_sheets(
    original: Path,
    rendered: Path | BinaryIO,
    sheet_names: Sequence[str],
    target: Path,
) -> None:
    """Write ``target``: ``original`` with the sheets ``sheet_names`` taken from ``rendered``.

    Args:
        original: the user's workbook (.xlsx/.xlsm); only read. It may be ``target`` itself.
        rendered: a small workbook (a file, or a stream such as ``io.BytesIO``) that holds (at
            least) the output sheets, written by XlsxWriter (or openpyxl, LibreOffice: any
            writer of transitional SpreadsheetML).
        sheet_names: the output sheets, in the order new ones are appended.
        target: where the result goes; written to a temporary file beside it and renamed over
            it, so ``target`` is always either the old or the new complete file.

    Raises:
        PackageError: a sheet is missing from ``rendered``, a table name would clash with a
            table of a kept sheet, or a package has a shape this module does not handle.
    """
    original, target = Path(original), Path(target)
    names = list(sheet_names)
    if len({n.casefold() for n in names}) != len(names):
        raise PackageError(f"the same sheet is named twice: {names}")
    with atomic_target(target) as tmp, open(tmp, "wb") as out:
        if names:
            with zipfile.ZipFile(original) as zin, zipfile.ZipFile(rendered) as zren:
                src = _Package(zin)
                plan = _plan(src, _Package(zren), names, macros=target.suffix.lower() != ".xlsx")
                with open(original, "rb") as raw:
                    _write(out, src, raw, plan)
        else:
            with open(original, "rb") as raw:
                shutil.copyfileobj(raw, out)


def workbook_names(path: Path) -> dict[str, str | None]:
    """The names a new table must not take: every table's name and display name -> the sheet
    that holds it, and every defined name (any scope) -> None.

    Only ``workbook.xml``, the relationship parts and the table parts are read; the sheets'
    cells are not.

    Raises:
        PackageError: the package cannot be read this way (the caller uses openpyxl instead).
    """
    return sheets_and_names(path)[1]


def sheets_and_names(path: Path) -> tuple[list[str], dict[str, str | None]]:
    """The workbook's sheet names in order, and :func:`workbook_names`, in one reading.

    Raises:
        PackageError: the package cannot be read this way (the caller uses openpyxl instead).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            pkg = _Package(zf)
            workbook = pkg.workbook_part()
            root = _parse(pkg.read(workbook), workbook)
            _namespace_of(root, "workbook")
            names: dict[str, str | None] = {
                el.get("name") or "": None for el in root.iter(f"{{{MAIN_NS}}}definedName")
            }
            rels = {rel.id: rel for rel in pkg.rels(workbook)}
            for entry in _sheets(root):
                rel = rels.get(entry.rid)
                part = pkg.find(rel.part) if rel is not None and rel.part is not None else None
                if part is None:
                    continue
                for table_rel in pkg.rels(part):
                    found = (
                        pkg.find(table_rel.part)
                        if table_rel.type == REL_TABLE and table_rel.part is not None
                        else None
                    )
                    if found is None:
                        continue
                    table = _parse(pkg.read(found), found)
                    for name in (table.get("name"), table.get("displayName")):
                        if name:
                            names[name] = entry.name
    except (OSError, zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise PackageError(f"the package cannot be read ({type(exc).__name__})") from exc
    names.pop("", None)
    return [entry.name for entry in _sheets(root)], names


@contextmanager
def atomic_target(target: Path, *, zip_only: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target``.

    On any exception the temporary file is removed and ``target`` is left as it was. The file
    written keeps the permissions of the one it replaces, or gets those the umask gives a new
    file. A symbolic link is written through to its target when that is a workbook.

    Args:
        zip_only: refuse to replace an existing file that is not a zip package (a workbook,
            or the note's .docx); False for a text or PDF file the tool writes itself.

    Raises:
        LayoutError: ``target`` is read-only, is (or links to) a file that is not a workbook,
            or is a link to nothing (:func:`writable_target`).
    """
    target = writable_target(target, zip_only=zip_only)
    _remove_leftovers(target)
    mode = target.stat().st_mode & 0o777 if target.exists() else _new_file_mode()
    fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


#: A workbook (and any zip) starts with a local file header.
_ZIP_MAGIC = b"PK\x03\x04"


def writable_target(target: Path, *, zip_only: bool = True) -> Path:
    """The file to write for ``target``: the path itself, or what a symbolic link points at.

    Refuses what would lose a user's file or fail late: a read-only file (its permission bits,
    which also hold for root and for Windows' read-only attribute), an existing non-empty file
    that is not a workbook (through a link or not), and a link that points at nothing.

    Raises:
        LayoutError: with code ``ingen_skrivetilgang``, ``feil_filtype`` or ``mangler_fil``.
    """
    where = Location(file=str(target))
    path = Path(os.path.abspath(target))
    if path.is_symlink():
        resolved = path.resolve()
        if not resolved.exists():
            raise LayoutError(
                f"utfilen er en snarvei (lenke) til '{resolved}', som ikke finnes; oppgi selve "
                "filen du vil skrive, ikke lenken",
                code="mangler_fil",
                location=where,
            )
        path = resolved
    if not path.is_file():
        return path
    info = path.stat()
    if not info.st_mode & 0o222:
        raise LayoutError(
            "filen er skrivebeskyttet og blir ikke endret; fjern skrivebeskyttelsen (i "
            "Windows: Egenskaper > Skrivebeskyttet) eller skriv resultatet til en annen fil "
            "med -o",
            code="ingen_skrivetilgang",
            location=where,
        )
    if zip_only and info.st_size > 0:
        with open(path, "rb") as fh:
            head = fh.read(4)
        if head != _ZIP_MAGIC:
            shown = (
                f"'{target}' er en snarvei (lenke) til '{path}', som"
                if path != Path(os.path.abspath(target))
                else f"'{target}' finnes og"
            )
            raise LayoutError(
                f"{shown} ikke er en Excel-arbeidsbok; den blir ikke overskrevet. Velg et "
                "annet filnavn",
                code="feil_filtype",
                location=where,
            )
    return path


def _new_file_mode() -> int:
    """The permissions a new file gets from the umask (read-write for those it allows)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Leftovers of a run killed while writing (``.navn.k3j_9x2a.xlsx``, from mkstemp above).
_LEFTOVER_AGE_S = 3600


def _remove_leftovers(target: Path) -> None:
    """Remove our temporary files beside ``target`` that a killed run left: only names of
    our own pattern, and only those untouched for an hour (a run writing now is left alone)."""
    import time

    pattern = re.compile(
        re.escape(f".{target.stem}.") + r"[a-z0-9_]{8}" + re.escape(target.suffix) + "$"
    )
    now = time.time()
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.match(entry.name):
            continue
        with contextlib.suppress(OSError):
            if (
                entry.is_file(follow_symlinks=False)
                and now - entry.stat().st_mtime > _LEFTOVER_AGE_S
            ):
                os.unlink(entry.path)


# --------------------------------------------------------------------------------------------
# Reading a package
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rel:
    id: str
    type: str
    target: str  # the Target attribute as written
    external: bool
    part: str | None  # the resolved part name (no leading slash) of an internal target


def _rels_name(part: str) -> str:
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", base + ".rels")


def _resolve(source: str, target: str) -> str:
    if target.startswith("/"):
        return unquote(target[1:])
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(target)))


def _parse(data: bytes, what: str) -> Element:
    try:
        return SafeET.fromstring(data)
    except Exception as exc:  # any parse failure means a shape we do not handle
        raise PackageError(f"{what} cannot be parsed ({type(exc).__name__})") from exc


def _decode(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackageError(f"{what} is not UTF-8") from exc


class _Package:
    """The parts of a zip package, found case-insensitively, and their relationships."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf
        self.infos = [i for i in zf.infolist() if not i.is_dir()]
        self.by_lower = {i.filename.lower(): i.filename for i in self.infos}
        self._rels: dict[str, list[_Rel]] = {}

    def find(self, part: str) -> str | None:
        return self.by_lower.get(part.lower())

    def read(self, part: str) -> bytes:
        name = self.find(part)
        if name is None:
            raise PackageError(f"the package has no part {part}")
        return self.zf.read(name)

    def rels(self, part: str) -> list[_Rel]:
        """The relationships of ``part`` (``""`` for the package itself)."""
        if part not in self._rels:
            name = self.find(_rels_name(part))
            found: list[_Rel] = []
            if name is not None:
                root = _parse(self.zf.read(name), name)
                for el in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
                    target = el.get("Target", "")
                    external = el.get("TargetMode") == "External"
                    found.append(
                        _Rel(
                            id=el.get("Id", ""),
                            type=el.get("Type", ""),
                            target=target,
                            external=external,
                            part=None if external else _resolve(part, target),
                        )
                    )
            self._rels[part] = found
        return self._rels[part]

    def workbook_part(self) -> str:
        for rel in self.rels(""):
            if rel.type == REL_OFFICE_DOCUMENT and rel.part and self.find(rel.part):
                return self.find(rel.part) or rel.part
        raise PackageError("the package has no workbook part")

    def reachable(self, starts: Iterable[str], blocked: set[str]) -> set[str]:
        """The existing parts reachable from ``starts`` through internal relationships."""
        seen: set[str] = set()
        todo = [s for s in starts if s not in blocked]
        while todo:
            part = todo.pop()
            name = self.find(part)
            if name is None or name in seen:
                continue
            seen.add(name)
            for rel in self.rels(name):
                if rel.part is not None:
                    found = self.find(rel.part)
                    if found is not None and found not in blocked and found not in seen:
                        todo.append(found)
        return seen


@dataclass
class _ContentTypes:
    """``[Content_Types].xml``; entries keep their original spelling when written back."""

    defaults: list[tuple[str, str]]  # extension, content type
    overrides: list[tuple[str, str]]  # PartName as written ("/xl/..."), content type

    @classmethod
    def parse(cls, data: bytes) -> _ContentTypes:
        root = _parse(data, "[Content_Types].xml")
        defaults = [
            (el.get("Extension", ""), el.get("ContentType", ""))
            for el in root.iter(f"{{{CT_NS}}}Default")
        ]
        overrides = [
            (el.get("PartName", ""), el.get("ContentType", ""))
            for el in root.iter(f"{{{CT_NS}}}Override")
        ]
        return cls(defaults, overrides)

    @staticmethod
    def part(part_name: str) -> str:
        """The zip member name (lower case, for comparing) of a PartName."""
        return unquote(part_name).lstrip("/").lower()

    def of(self, part: str) -> str | None:
        for name, ct in self.overrides:
            if self.part(name) == part.lower():
                return ct
        return self.default(part)

    def default(self, part: str) -> str | None:
        ext = posixpath.splitext(part)[1].lstrip(".").lower()
        return next((ct for e, ct in self.defaults if e.lower() == ext), None)

    def without(self, parts: set[str]) -> None:
        """Forget the overrides of ``parts`` (lower-case member names)."""
        self.overrides = [(n, ct) for n, ct in self.overrides if self.part(n) not in parts]

    def retype(self, part: str, old: str, new: str) -> None:
        """Give ``part`` the content type ``new`` if its override says ``old``."""
        self.overrides = [
            (n, new if ct == old and self.part(n) == part.lower() else ct)
            for n, ct in self.overrides
        ]

    def xml(self) -> bytes:
        items = [
            f'<Default Extension="{_esc(ext)}" ContentType="{_esc(ct)}"/>'
            for ext, ct in self.defaults
        ] + [
            f'<Override PartName="{_esc(name)}" ContentType="{_esc(ct)}"/>'
            for name, ct in self.overrides
        ]
        text = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Types xmlns="{CT_NS}">{"".join(items)}</Types>'
        )
        return text.encode("utf-8")


def _rels_xml(rels: Iterable[_Rel]) -> bytes:
    items = []
    for rel in rels:
        mode = ' TargetMode="External"' if rel.external else ""
        items.append(
            f'<Relationship Id="{_esc(rel.id)}" Type="{_esc(rel.type)}" '
            f'Target="{_esc(rel.target)}"{mode}/>'
        )
    text = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<Relationships xmlns="{PKG_REL_NS}">{"".join(items)}</Relationships>'
    )
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------
# XML text helpers
# --------------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
        .replace("\t", "&#9;")
    )


def _esc_text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _prefix_of(text: str, root: str) -> str:
    """The prefix (with its colon, or ``""``) of the root element ``root`` of ``text``."""
    m = re.search(rf"<(?:([\w.-]+):)?{root}(?=[\s/>])", text)
    if m is None:
        raise PackageError(f"no <{root}> element")
    return f"{m.group(1)}:" if m.group(1) else ""


def _namespace_of(root: Element, local: str) -> None:
    if root.tag != f"{{{MAIN_NS}}}{local}":
        raise PackageError(f"<{local}> is not in the transitional SpreadsheetML namespace")


def _start_tag(text: str, qname: str, start: int = 0) -> re.Match[str] | None:
    return re.compile(rf"<{re.escape(qname)}((?:{_ATTR})*)\s*(/?)>").search(text, start)


def _set_attr(attrs: str, name: str, value: str) -> str:
    """``attrs`` (the attribute text of a start tag) with ``name`` set to ``value``."""
    pattern = re.compile(rf"""(\s{re.escape(name)}\s*=\s*)(?:"[^"]*"|'[^']*')""")
    if pattern.search(attrs):
        return pattern.sub(lambda m: f'{m.group(1)}"{_esc(value)}"', attrs, count=1)
    return f'{attrs} {name}="{_esc(value)}"'


def _element_end(text: str, qname: str) -> int | None:
    """The index just after the first element ``qname`` (self-closing or not)."""
    m = _start_tag(text, qname)
    if m is None:
        return None
    if m.group(2):
        return m.end()
    close = re.compile(rf"</{re.escape(qname)}\s*>").search(text, m.end())
    if close is None:
        raise PackageError(f"<{qname}> is not closed")
    return close.end()


def _serialize(el: Element, prefix: str) -> str:
    """``el`` as XML text, with ``prefix`` for the SpreadsheetML namespace."""
    declared: list[str] = []

    def qname(tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        ns, local = tag[1:].split("}", 1)
        if ns == MAIN_NS:
            return prefix + local
        if ns == XML_NS:
            return "xml:" + local
        short = f"ko{len(declared)}"
        declared.append(f' xmlns:{short}="{_esc(ns)}"')
        return f"{short}:{local}"

    def walk(node: Element) -> str:
        mark = len(declared)
        tag = qname(node.tag)
        attrs = "".join(f' {qname(k)}="{_esc(v)}"' for k, v in node.attrib.items())
        decls = "".join(declared[mark:])
        del declared[mark:]
        inner = _esc_text(node.text or "") + "".join(
            walk(child) + _esc_text(child.tail or "") for child in node
        )
        if not inner:
            return f"<{tag}{decls}{attrs}/>"
        return f"<{tag}{decls}{attrs}>{inner}</{tag}>"

    return walk(el)


def _key(el: Element) -> tuple[object, ...]:
    """A comparison key for a style entry: attribute and child order do not matter."""
    return (
        el.tag,
        tuple(sorted(el.attrib.items())),
        (el.text or "").strip(),
        tuple(sorted((_key(child) for child in el), key=repr)),
    )


def _copy(el: Element) -> Element:
    new = Element(el.tag, dict(el.attrib))
    new.text, new.tail = el.text, None
    for child in el:
        c = _copy(child)
        c.tail = child.tail
        new.append(c)
    return new


# --------------------------------------------------------------------------------------------
# Styles
# --------------------------------------------------------------------------------------------


class _Styles:
    """The original ``styles.xml`` with the entries the rendered sheets need appended."""

    _SECTIONS = ("fonts", "fills", "borders", "cellXfs", "dxfs")

    def __init__(self, original: bytes, rendered: bytes) -> None:
        self.text = _decode(original, "styles.xml")
        self.prefix = _prefix_of(self.text, "styleSheet")
        target = _parse(original, "styles.xml")
        _namespace_of(target, "styleSheet")
        source = _parse(rendered, "rendered styles.xml")
        _namespace_of(source, "styleSheet")
        self.source = {name: _children(source, name) for name in (*self._SECTIONS, "numFmts")}
        self.counts = {name: len(_children(target, name)) for name in self._SECTIONS}
        self.keys: dict[str, dict[tuple[object, ...], int]] = {name: {} for name in self._SECTIONS}
        for name in self._SECTIONS:
            for i, el in enumerate(_children(target, name)):
                self.keys[name].setdefault(_key(el), i)
        self.added: dict[str, list[Element]] = {name: [] for name in (*self._SECTIONS, "numFmts")}
        self.source_formats = {
            int(el.get("numFmtId", "0")): el.get("formatCode", "") for el in self.source["numFmts"]
        }
        self.formats: dict[str, int] = {}  # format code -> id in the original
        self.max_format = _FIRST_CUSTOM_NUMFMT - 1
        target_formats = _children(target, "numFmts")
        self.format_count = len(target_formats)
        for el in target_formats:
            number = int(el.get("numFmtId", "0"))
            self.formats.setdefault(el.get("formatCode", ""), number)
            self.max_format = max(self.max_format, number)
        self.done: dict[tuple[str, int], int] = {}

    # --- index mapping ---

    def number_format(self, number: int) -> int:
        """The original's id for the rendered number format ``number`` (built-ins stay)."""
        if number < _FIRST_CUSTOM_NUMFMT or number not in self.source_formats:
            return number
        return self.format_code(self.source_formats[number])

    def format_code(self, code: str) -> int:
        """The original's id for the format ``code``, appended to numFmts if missing."""
        if code not in self.formats:
            self.max_format += 1
            self.formats[code] = self.max_format
            el = Element(f"{{{MAIN_NS}}}numFmt", {"numFmtId": str(self.max_format)})
            el.set("formatCode", code)
            self.added["numFmts"].append(el)
        return self.formats[code]

    def _entry(self, section: str, index: int, fix: Callable[[Element], None] | None) -> int:
        if (section, index) in self.done:
            return self.done[(section, index)]
        entries = self.source[section]
        if not 0 <= index < len(entries):
            raise PackageError(f"the rendered styles have no {section}[{index}]")
        el = _copy(entries[index])
        if fix is not None:
            fix(el)
        key = _key(el)
        if key not in self.keys[section]:
            self.keys[section][key] = self.counts[section] + len(self.added[section])
            self.added[section].append(el)
        result = self.keys[section][key]
        self.done[(section, index)] = result
        return result

    def _default(self, section: str, index: int, defaults: int) -> int:
        # the workbook's own defaults stand for openpyxl's (fonts[0] is the Normal font,
        # fills[0]/[1] are the required none/gray125, borders[0] no border)
        if index < defaults:
            return index
        return self._entry(section, index, None)

    def cell_format(self, index: int) -> int:
        """The original's cellXfs index for the rendered cellXfs ``index``."""
        if index == 0:
            return 0

        def fix(xf: Element) -> None:
            for attr, section, defaults in (
                ("fontId", "fonts", 1),
                ("fillId", "fills", 2),
                ("borderId", "borders", 1),
            ):
                if xf.get(attr) is not None:
                    xf.set(attr, str(self._default(section, int(xf.get(attr, "0")), defaults)))
            if xf.get("numFmtId") is not None:
                xf.set("numFmtId", str(self.number_format(int(xf.get("numFmtId", "0")))))
            if xf.get("xfId") is not None:
                xf.set("xfId", "0")  # named styles are not transplanted: Normal

        return self._entry("cellXfs", index, fix)

    def differential_format(self, index: int) -> int:
        """The original's dxfs index for the rendered dxfs ``index``."""

        def fix(dxf: Element) -> None:
            for fmt in dxf.iter(f"{{{MAIN_NS}}}numFmt"):
                if int(fmt.get("numFmtId", "0")) >= _FIRST_CUSTOM_NUMFMT:
                    fmt.set("numFmtId", str(self.format_code(fmt.get("formatCode", ""))))

        return self._entry("dxfs", index, fix)

    # --- the new styles.xml ---

    def xml(self) -> bytes:
        text = self.text
        for section in ("numFmts", *self._SECTIONS):
            added = self.added[section]
            if not added:
                continue
            existing = self.format_count if section == "numFmts" else self.counts[section]
            count = existing + len(added)
            children = "".join(_serialize(el, self.prefix) for el in added)
            text = _append_children(text, self.prefix, section, children, count)
        return text.encode("utf-8")


def _children(root: Element, section: str) -> list[Element]:
    found = root.find(f"{{{MAIN_NS}}}{section}")
    return [] if found is None else list(found)


def _append_children(text: str, prefix: str, section: str, children: str, count: int) -> str:
    """Append ``children`` to the top-level element ``section`` (created if missing)."""
    qname = prefix + section
    m = _start_tag(text, qname)
    if m is not None:
        attrs = _set_attr(m.group(1), "count", str(count))
        if m.group(2):  # <dxfs count="0"/>
            return f"{text[: m.start()]}<{qname}{attrs}>{children}</{qname}>{text[m.end() :]}"
        close = re.compile(rf"</{re.escape(qname)}\s*>").search(text, m.end())
        if close is None:
            raise PackageError(f"<{qname}> is not closed in styles.xml")
        return (
            f"{text[: m.start()]}<{qname}{attrs}>{text[m.end() : close.start()]}"
            f"{children}{text[close.start() :]}"
        )
    element = f'<{qname} count="{count}">{children}</{qname}>'
    position = _STYLE_SECTIONS.index(section)
    for before in reversed(_STYLE_SECTIONS[:position]):
        end = _element_end(text, prefix + before)
        if end is not None:
            return text[:end] + element + text[end:]
    root = _start_tag(text, prefix + "styleSheet")
    if root is None:
        raise PackageError("no <styleSheet> in styles.xml")
    if root.group(2):
        return (
            f"{text[: root.start()]}<{prefix}styleSheet{root.group(1)}>{element}"
            f"</{prefix}styleSheet>{text[root.end() :]}"
        )
    return text[: root.end()] + element + text[root.end() :]


# --------------------------------------------------------------------------------------------
# Transplanted parts
# --------------------------------------------------------------------------------------------


def _tags(prefix: str, names: str) -> re.Pattern[str]:
    return re.compile(rf"<{re.escape(prefix)}({names})((?:{_ATTR})*)(\s*/?>)")


@functools.cache
def _number_attr(name: str) -> re.Pattern[str]:
    """An attribute ``name`` (a regular expression) with a whole-number value."""
    return re.compile(rf"""(\s{name}\s*=\s*)(["'])(\d+)\2""")


def _numbers(attrs: str, name: str) -> list[int]:
    return [int(m.group(3)) for m in _number_attr(name).finditer(attrs)]


def _renumber(attrs: str, name: str, mapping: Callable[[int], int]) -> str:
    return _number_attr(name).sub(lambda m: f'{m.group(1)}"{mapping(int(m.group(3)))}"', attrs)


_SHEET_STYLE_ATTRS = {"c": "s", "row": "s", "col": "style", "cfRule": "dxfId"}
_SHARED_TYPE = re.compile(r"""(\st\s*=\s*)(["'])s\2""")  # t="s": a shared string cell
_DXF_ATTR = r"\w*DxfId"


def _used_styles(xml: str, prefix: str, *, table: bool) -> tuple[set[int], set[int]]:
    """The cellXfs and dxfs indices a sheet (or table) part uses."""
    xfs: set[int] = set()
    dxfs: set[int] = set()
    if table:
        for m in re.finditer(r"<[^>]*>", xml):
            dxfs.update(_numbers(m.group(0), _DXF_ATTR))
        return xfs, dxfs
    for m in _tags(prefix, "c|row|col|cfRule").finditer(xml):
        attr = _SHEET_STYLE_ATTRS[m.group(1)]
        (dxfs if attr == "dxfId" else xfs).update(_numbers(m.group(2), attr))
    return xfs, dxfs


def _transform_sheet(
    xml: str,
    prefix: str,
    styles: _Styles,
    shared: list[list[Element]] | None,
) -> str:
    """Remap styles, inline shared strings and drop ``tabSelected`` in a rendered sheet."""
    if shared is not None:
        cell = re.compile(
            rf"<{re.escape(prefix)}c((?:{_ATTR})*)\s*>(.*?)</{re.escape(prefix)}c\s*>", re.S
        )
        value = re.compile(rf"<{re.escape(prefix)}v\s*>\s*(\d+)\s*</{re.escape(prefix)}v\s*>")
        contents: dict[int, str] = {}  # a string used by many cells is serialised once

        def inline(m: re.Match[str]) -> str:
            attrs = m.group(1)
            if _SHARED_TYPE.search(attrs) is None:
                return m.group(0)
            v = value.search(m.group(2))
            if v is None:
                return m.group(0)
            index = int(v.group(1))
            if index not in contents:
                if not 0 <= index < len(shared):
                    raise PackageError(f"the rendered sheet uses a missing shared string {index}")
                contents[index] = "".join(_serialize(child, prefix) for child in shared[index])
            body = f"{m.group(2)[: v.start()]}<{prefix}is>{contents[index]}</{prefix}is>"
            body += m.group(2)[v.end() :]
            attrs = _SHARED_TYPE.sub(r'\1"inlineStr"', attrs, count=1)
            return f"<{prefix}c{attrs}>{body}</{prefix}c>"

        xml = cell.sub(inline, xml)

    def restyle(m: re.Match[str]) -> str:
        name, attrs = m.group(1), m.group(2)
        if name == "sheetView":
            attrs = re.sub(r"""\s+tabSelected\s*=\s*(?:"[^"]*"|'[^']*')""", "", attrs)
        else:
            attr = _SHEET_STYLE_ATTRS[name]
            mapping = styles.differential_format if attr == "dxfId" else styles.cell_format
            attrs = _renumber(attrs, attr, mapping)
        return f"<{prefix}{name}{attrs}{m.group(3)}"

    return _tags(prefix, "c|row|col|cfRule|sheetView").sub(restyle, xml)


def _transform_table(xml: str, table_id: int, styles: _Styles) -> str:
    prefix = _prefix_of(xml, "table")
    root = _tags(prefix, "table").search(xml)
    if root is None:
        raise PackageError("no <table> in a rendered table part")
    attrs = _set_attr(root.group(2), "id", str(table_id))
    xml = f"{xml[: root.start()]}<{prefix}table{attrs}{root.group(3)}{xml[root.end() :]}"
    return re.sub(
        r"<[^>]*>",
        lambda m: _renumber(m.group(0), _DXF_ATTR, styles.differential_format),
        xml,
    )


def _shared_strings(pkg: _Package, workbook: str) -> list[list[Element]] | None:
    """The rendered shared strings: the children (``<t>``, ``<r>``, ...) of each ``<si>``."""
    for rel in pkg.rels(workbook):
        if rel.type == REL_SHARED_STRINGS and rel.part and pkg.find(rel.part):
            root = _parse(pkg.read(rel.part), "rendered sharedStrings.xml")
            return [list(si) for si in root.iter(f"{{{MAIN_NS}}}si")]
    return None


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    drop: set[str] = field(default_factory=set)  # original part names left out
    changed: dict[str, bytes] = field(default_factory=dict)  # original part name -> new bytes
    added: list[tuple[str, bytes]] = field(default_factory=list)  # new parts, in order


@dataclass(frozen=True)
class _SheetEntry:
    name: str
    sheet_id: int
    rid: str


def _sheets(workbook: Element) -> list[_SheetEntry]:
    found = []
    for el in workbook.iter(f"{{{MAIN_NS}}}sheet"):
        found.append(
            _SheetEntry(
                name=el.get("name", ""),
                sheet_id=int(el.get("sheetId", "0") or 0),
                rid=el.get(f"{{{REL_NS}}}id", ""),
            )
        )
    return found


class _Names:
    """Free part names in the target package."""

    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = {name.lower() for name in taken}

    def allocate(self, like: str) -> str:
        folder, base = posixpath.split(like)
        stem, ext = posixpath.splitext(base)
        stem = stem.rstrip("0123456789") or stem
        n = 1
        while True:
            name = posixpath.join(folder, f"{stem}{n}{ext}")
            if name.lower() not in self.taken and _rels_name(name).lower() not in self.taken:
                self.taken.update({name.lower(), _rels_name(name).lower()})
                return name
            n += 1


def _plan(src: _Package, ren: _Package, names: list[str], *, macros: bool) -> _Plan:
    """What to leave out, change and add to turn ``src`` into the result.

    ``macros`` is false for an .xlsx target: a macro-enabled content type left without a
    VBA project (openpyxl's ``keep_vba`` writes one into .xlsx files) is then repaired.
    """
    plan = _Plan()
    workbook = src.workbook_part()
    workbook_bytes = src.read(workbook)
    workbook_root = _parse(workbook_bytes, workbook)
    _namespace_of(workbook_root, "workbook")
    sheets = _sheets(workbook_root)
    rels = src.rels(workbook)
    rel_by_id = {rel.id: rel for rel in rels}
    ren_workbook = ren.workbook_part()
    ren_sheets = _sheet_parts(ren, ren_workbook)

    # which original sheet each output sheet replaces (sheet names are case-insensitive)
    by_name = {entry.name.casefold(): entry for entry in sheets}
    replaced: dict[str, _SheetEntry] = {}  # output name -> original entry
    for name in names:
        if name.casefold() not in ren_sheets:
            raise PackageError(f"the rendered workbook has no sheet {name!r}")
        entry = by_name.get(name.casefold())
        if entry is not None:
            rel = rel_by_id.get(entry.rid)
            if rel is None or rel.part is None or src.find(rel.part) is None:
                raise PackageError(f"the sheet {entry.name!r} has no part")
            replaced[name] = entry
    old_parts = {src.find(rel_by_id[e.rid].part or "") or "" for e in replaced.values()}
    plan.drop = _gone(src, old_parts, rels)

    content_types = _ContentTypes.parse(src.read("[Content_Types].xml"))
    table_ids, taken_names = _tables(src, content_types, plan.drop)
    content_types.without({g.lower() for g in plan.drop})  # before new parts take their names
    if not macros and not any(r.type == REL_VBA and r.part and src.find(r.part) for r in rels):
        content_types.retype(workbook, CT_MACRO_WORKBOOK, CT_WORKBOOK)
    taken_names |= {
        (el.get("name") or "").casefold() for el in workbook_root.iter(f"{{{MAIN_NS}}}definedName")
    }
    style_part = _styles_part(src, rels, "original")
    styles = _Styles(
        src.read(style_part), ren.read(_styles_part(ren, ren.rels(ren_workbook), "rendered"))
    )

    # the parts to transplant, with their new names
    # a name a kept relationship points to is taken even when its part is missing (a damaged
    # file): a new sheet there would become the target of both
    referenced = {
        rel.part
        for part in ["", *(i.filename for i in src.infos if i.filename not in plan.drop)]
        if not part.endswith(".rels")
        for rel in src.rels(part)
        if rel.part and rel.part not in plan.drop
    }
    allocator = _Names(
        [*(i.filename for i in src.infos if i.filename not in plan.drop), *referenced]
    )
    new_name: dict[str, str] = {}
    for name in names:
        start = ren_sheets[name.casefold()]
        for part in [start, *sorted(ren.reachable([start], blocked=set()) - {start})]:
            if part not in new_name:
                new_name[part] = allocator.allocate(part)
    sheet_part = {name: new_name[ren_sheets[name.casefold()]] for name in names}
    _transplant(ren, new_name, styles, table_ids, taken_names, content_types, plan)

    # workbook relationships: replaced sheets keep their id, new sheets get one
    replaced_rids = {entry.rid: name for name, entry in replaced.items()}
    new_rels: list[_Rel] = []
    for rel in rels:
        if rel.type == REL_CALC_CHAIN:
            continue
        if rel.type == REL_VBA and (rel.part is None or src.find(rel.part) is None):
            continue  # a dangling link to a VBA project that is not in the package
        if rel.id in replaced_rids:
            part = sheet_part[replaced_rids[rel.id]]
            new_rels.append(_Rel(rel.id, REL_WORKSHEET, "/" + part, False, part))
        else:
            new_rels.append(rel)
    used_ids = {rel.id for rel in rels}
    next_sheet_id = max((e.sheet_id for e in sheets), default=0)
    added_sheets: list[_SheetEntry] = []
    counter = 1
    for name in names:
        if name in replaced:
            continue
        while f"rId{counter}" in used_ids:
            counter += 1
        rid = f"rId{counter}"
        used_ids.add(rid)
        next_sheet_id += 1
        added_sheets.append(_SheetEntry(name, next_sheet_id, rid))
        part = sheet_part[name]
        new_rels.append(_Rel(rid, REL_WORKSHEET, "/" + part, False, part))
    plan.changed[src.find(_rels_name(workbook)) or _rels_name(workbook)] = _rels_xml(new_rels)

    renames = {e.rid: name for name, e in replaced.items() if e.name != name}
    text = _workbook_xml(_decode(workbook_bytes, workbook), renames, added_sheets)
    plan.changed[workbook] = text.encode("utf-8")
    plan.changed[style_part] = styles.xml()
    plan.changed[src.find("[Content_Types].xml") or "[Content_Types].xml"] = content_types.xml()
    return plan


def _sheet_parts(pkg: _Package, workbook: str) -> dict[str, str]:
    """Case-folded sheet name -> sheet part."""
    root = _parse(pkg.read(workbook), workbook)
    rels = {rel.id: rel for rel in pkg.rels(workbook)}
    found: dict[str, str] = {}
    for entry in _sheets(root):
        rel = rels.get(entry.rid)
        part = pkg.find(rel.part) if rel is not None and rel.part is not None else None
        if part is not None:
            found[entry.name.casefold()] = part
    return found


def _gone(src: _Package, old_parts: set[str], workbook_rels: list[_Rel]) -> set[str]:
    """The parts only the replaced sheets lead to, calcChain, and their relationship parts."""
    keep = src.reachable([r.part for r in src.rels("") if r.part], blocked=old_parts)
    gone = src.reachable(old_parts, blocked=set()) - keep
    for rel in workbook_rels:
        found = src.find(rel.part) if rel.type == REL_CALC_CHAIN and rel.part else None
        if found is not None:
            gone.add(found)
    for part in list(gone):
        rels_part = src.find(_rels_name(part))
        if rels_part is not None:
            gone.add(rels_part)
    return gone


def _tables(src: _Package, types: _ContentTypes, gone: set[str]) -> tuple[set[int], set[str]]:
    """The ids and (case-folded) names of the tables that stay."""
    ids: set[int] = set()
    names: set[str] = set()
    for info in src.infos:
        if info.filename in gone or types.of(info.filename) != CT_TABLE:
            continue
        root = _parse(src.zf.read(info.filename), info.filename)
        with contextlib.suppress(ValueError):
            ids.add(int(root.get("id", "0")))
        names.update(n.casefold() for n in (root.get("name"), root.get("displayName")) if n)
    return ids, names


def _styles_part(pkg: _Package, workbook_rels: list[_Rel], what: str) -> str:
    for rel in workbook_rels:
        found = pkg.find(rel.part) if rel.type == REL_STYLES and rel.part else None
        if found is not None:
            return found
    raise PackageError(f"the {what} workbook has no styles part")


def _transplant(
    ren: _Package,
    new_name: dict[str, str],
    styles: _Styles,
    table_ids: set[int],
    taken_names: set[str],
    content_types: _ContentTypes,
    plan: _Plan,
) -> None:
    """Add the rendered parts under their new names, with styles, ids and links remapped."""
    ren_types = _ContentTypes.parse(ren.read("[Content_Types].xml"))
    shared = _shared_strings(ren, ren.workbook_part())
    texts: dict[str, str] = {}
    for part in new_name:
        ct = ren_types.of(part)
        if ct is None:
            raise PackageError(f"the rendered part {part} has no content type")
        if ct in (CT_WORKSHEET, CT_TABLE):
            texts[part] = _decode(ren.read(part), part)
        if ct == CT_TABLE:
            root = _parse(ren.read(part), part)
            for n in (root.get("name"), root.get("displayName")):
                if n and n.casefold() in taken_names:
                    raise PackageError(f"the table name {n!r} is already used in the workbook")
    # map the styles first, in the order the parts use them
    for part, text in texts.items():
        is_table = ren_types.of(part) == CT_TABLE
        prefix = _prefix_of(text, "table" if is_table else "worksheet")
        xfs, dxfs = _used_styles(text, prefix, table=is_table)
        for i in sorted(xfs):
            styles.cell_format(i)
        for i in sorted(dxfs):
            styles.differential_format(i)

    next_table = max(table_ids, default=0)
    for part, target_name in new_name.items():
        ct = ren_types.of(part) or ""
        if ct == CT_WORKSHEET:
            text = texts[part]
            body = _transform_sheet(text, _prefix_of(text, "worksheet"), styles, shared).encode()
        elif ct == CT_TABLE:
            next_table += 1
            body = _transform_table(texts[part], next_table, styles).encode("utf-8")
        else:
            body = ren.read(part)
        plan.added.append((target_name, body))
        if content_types.default(target_name) != ct:
            content_types.overrides.append(("/" + target_name, ct))
        part_rels = ren.rels(part)
        if not part_rels:
            continue
        moved = []
        for rel in part_rels:
            if rel.external or rel.part is None:
                moved.append(rel)
                continue
            found = ren.find(rel.part)
            if found is None or found not in new_name:
                raise PackageError(f"{part} refers to a missing part {rel.target}")
            moved.append(_Rel(rel.id, rel.type, "/" + new_name[found], False, new_name[found]))
        plan.added.append((_rels_name(target_name), _rels_xml(moved)))


def _workbook_xml(text: str, renames: dict[str, str], added: list[_SheetEntry]) -> str:
    """``workbook.xml`` with sheets renamed (by r:id), sheets added and a full calc on load."""
    p = _prefix_of(text, "workbook")
    root = _start_tag(text, p + "workbook")
    if root is None:
        raise PackageError("no <workbook> start tag")
    r_prefix = None
    for m in _ATTR_PAIR.finditer(root.group(1)):
        value = m.group(2) if m.group(2) is not None else m.group(3)
        if m.group(1).startswith("xmlns:") and value == REL_NS:
            r_prefix = m.group(1)[len("xmlns:") :]
            break

    if renames:

        def rename(m: re.Match[str]) -> str:
            attrs = m.group(2)
            rid = next(
                (
                    (a.group(2) if a.group(2) is not None else a.group(3))
                    for a in _ATTR_PAIR.finditer(attrs)
                    if a.group(1).endswith(":id")
                ),
                None,
            )
            if rid in renames:
                attrs = _set_attr(attrs, "name", renames[rid])
            return f"<{p}{m.group(1)}{attrs}{m.group(3)}"

        text = _tags(p, "sheet").sub(rename, text)

    if added:
        rp = r_prefix or "r"
        declare = "" if r_prefix else f' xmlns:r="{REL_NS}"'
        new = "".join(
            f'<{p}sheet{declare} name="{_esc(e.name)}" sheetId="{e.sheet_id}" '
            f'{rp}:id="{_esc(e.rid)}"/>'
            for e in added
        )
        sheets = _start_tag(text, p + "sheets")
        if sheets is None:
            raise PackageError("no <sheets> in workbook.xml")
        if sheets.group(2):
            head, tail = text[: sheets.start()], text[sheets.end() :]
            text = f"{head}<{p}sheets{sheets.group(1)}>{new}</{p}sheets>{tail}"
        else:
            close = re.compile(rf"</{re.escape(p)}sheets\s*>").search(text, sheets.end())
            if close is None:
                raise PackageError("<sheets> is not closed in workbook.xml")
            text = text[: close.start()] + new + text[close.start() :]

    calc = _start_tag(text, p + "calcPr")
    if calc is not None:
        attrs = _set_attr(calc.group(1), "fullCalcOnLoad", "1")
        text = (
            f"{text[: calc.start()]}<{p}calcPr{attrs}{'/' if calc.group(2) else ''}>"
            + text[calc.end() :]
        )
    else:
        for before in reversed(_BEFORE_CALC_PR):
            end = _element_end(text, p + before)
            if end is not None:
                text = f'{text[:end]}<{p}calcPr fullCalcOnLoad="1"/>{text[end:]}'
                break
    return text


# --------------------------------------------------------------------------------------------
# Writing the zip
# --------------------------------------------------------------------------------------------

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_LIMIT = 0xFFFFFFFF - (1 << 20)  # stay clear of ZIP64
_LOCAL = struct.Struct("<IHHHHHIIIHH")
_CENTRAL = struct.Struct("<IHHHHHHIIIHHHHHII")
_END = struct.Struct("<IHHHHIIH")


def _dos(date_time: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    year, month, day, hour, minute, second = date_time
    if year < 1980:
        year, month, day, hour, minute, second = _ZIP_TIME
    return (hour << 11) | (minute << 5) | (second // 2), ((year - 1980) << 9) | (month << 5) | day


class _ZipWriter:
    """A plain (non-ZIP64) zip writer that can copy compressed members without unpacking."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.offset = 0
        self.central: list[bytes] = []

    def _entry(
        self,
        name: str,
        *,
        flags: int,
        method: int,
        version: int,
        date_time: tuple[int, int, int, int, int, int],
        crc: int,
        csize: int,
        usize: int,
    ) -> None:
        try:
            raw_name = name.encode("ascii")
            flags &= ~0x800
        except UnicodeEncodeError:
            raw_name = name.encode("utf-8")
            flags |= 0x800
        flags &= ~0x08  # sizes are in the headers: no data descriptor
        common = (flags, method, *_dos(date_time), crc, csize, usize, len(raw_name))
        header = _LOCAL.pack(0x04034B50, version, *common, 0)
        central = _CENTRAL.pack(0x02014B50, version, version, *common, 0, 0, 0, 0, 0, self.offset)
        self.central.append(central + raw_name)
        self.out.write(header + raw_name)
        self.offset += len(header) + len(raw_name)

    def copy(self, source: BinaryIO, info: zipfile.ZipInfo) -> None:
        """Copy ``info``'s compressed data from the zip file ``source`` as they are."""
        source.seek(info.header_offset)
        head = source.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise PackageError(f"bad local header for {info.filename}")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        source.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
        plain = info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        version = 20 if plain else info.extract_version
        self._entry(
            info.filename,
            flags=info.flag_bits,
            method=info.compress_type,
            version=version,
            date_time=info.date_time,
            crc=info.CRC,
            csize=info.compress_size,
            usize=info.file_size,
        )
        left = info.compress_size
        while left:
            chunk = source.read(min(left, 1 << 20))
            if not chunk:
                raise PackageError(f"{info.filename} is truncated")
            self.out.write(chunk)
            left -= len(chunk)
        self.offset += info.compress_size

    def write(
        self, name: str, data: bytes, date_time: tuple[int, int, int, int, int, int] = _ZIP_TIME
    ) -> None:
        packer = zlib.compressobj(6, zlib.DEFLATED, -15)
        packed = packer.compress(data) + packer.flush()
        self._entry(
            name,
            flags=0,
            method=zipfile.ZIP_DEFLATED,
            version=20,
            date_time=date_time,
            crc=zlib.crc32(data),
            csize=len(packed),
            usize=len(data),
        )
        self.out.write(packed)
        self.offset += len(packed)

    def close(self) -> None:
        directory = b"".join(self.central)
        self.out.write(directory)
        n = len(self.central)
        self.out.write(_END.pack(0x06054B50, 0, 0, n, n, len(directory), self.offset, 0))


def _write(out: BinaryIO, src: _Package, raw: BinaryIO, plan: _Plan) -> None:
    kept = [i for i in src.infos if i.filename not in plan.drop]
    size = sum(
        len(plan.changed[i.filename]) if i.filename in plan.changed else i.compress_size
        for i in kept
    ) + sum(len(data) for _, data in plan.added)
    entries = len(kept) + len(plan.added)
    zip64 = any(max(i.file_size, i.compress_size, i.header_offset) >= _LIMIT for i in kept) or (
        size + 200 * entries >= _LIMIT or entries >= 0xFFFF
    )
    if zip64:  # beyond the plain zip format: let zipfile write it (recompressing)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as zout:
            for info in kept:
                data = plan.changed.get(info.filename)
                zout.writestr(
                    zipfile.ZipInfo(info.filename, info.date_time),
                    src.zf.read(info) if data is None else data,
                    zipfile.ZIP_DEFLATED,
                )
            for name, data in plan.added:
                zout.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
        return
    writer = _ZipWriter(out)
    for info in kept:
        data = plan.changed.get(info.filename)
        if data is None:
            writer.copy(raw, info)
        else:
            writer.write(info.filename, data, info.date_time)
    for name, data in plan.added:
        writer.write(name, data)
    writer.close()
