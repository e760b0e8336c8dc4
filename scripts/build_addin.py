"""Build the Excel add-in ``addin/dist/kommuneokonomi.xlam`` from the text sources in ``addin/src``.

Everything Excel loads is made here, on any OS, from text:

* ``addin/src/customUI14.xml``: the ribbon tab "Kommuneøkonomi";
* ``addin/src/Kommuneokonomi.bas``: the ribbon callbacks (VBA);
* ``addin/src/xlwings.bas``: xlwings' VBA module for custom add-ins (BSD-3-Clause), vendored
  from the installed xlwings package by ``--vendor-xlwings`` with the documented patches in
  :data:`XLWINGS_PATCHES`;
* ``addin/src/kommuneokonomi.conf``: the add-in's own xlwings settings, written to the hidden
  sheet ``kommuneokonomi.conf`` (xlwings' add-in config sheet).

The VBA project (``xl/vbaProject.bin``) is written from scratch following the public
specifications [MS-OVBA] (project streams, ``dir`` stream, compression, data encryption of the
protection fields) and [MS-CFB] (the compound file that holds them). It carries source code
only: ``_VBA_PROJECT`` is the seven-byte "version-independent" header of [MS-OVBA] 2.3.4.1
(version 0xFFFF, no performance cache) and every module's source starts at offset 0, so Excel
compiles the project from source on first load. xlwings' own ``xlwings.xlam`` ships a module
stored this way.

The output is byte-reproducible: no clocks, fixed zip dates, a fixed project GUID, fixed
"random" bytes in the encrypted fields, and a stable part order.

Run::

    python scripts/build_addin.py                  # write addin/dist/kommuneokonomi.xlam
    python scripts/build_addin.py --check          # exit 1 if the committed file is stale
    python scripts/build_addin.py --vendor-xlwings # refresh addin/src/xlwings.bas
"""

from __future__ import annotations

import argparse
import re
import struct
import sys
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from kommuneokonomi.workbook.build import reproducible_zip

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "addin" / "src"
DIST = REPO / "addin" / "dist" / "kommuneokonomi.xlam"
# The same bytes as package data, so `pip install` ships the add-in (kommuneokonomi.addin).
PACKAGED = REPO / "src" / "kommuneokonomi" / "data" / "addin" / "kommuneokonomi.xlam"

ADDIN_NAME = "kommuneokonomi"
VBA_PROJECT_NAME = "KommuneokonomiTillegg"
# Fixed so that the build is reproducible; uuid5 of the add-in's name.
PROJECT_GUID = uuid.uuid5(uuid.NAMESPACE_URL, "urn:kommuneokonomi:excel-addin")
CODE_PAGE = 1252
CONFIG_SHEET = f"{ADDIN_NAME}.conf"

# The standard modules, in the order they appear in the project. The file name is the module
# name; each file starts with its ``Attribute VB_Name`` line, as the VBA editor exports it.
STANDARD_MODULES = ("Kommuneokonomi", "xlwings")

# Document modules: the workbook and the config sheet. (name, [MS-OVBA] VB_Base class id)
DOCUMENT_MODULES = (
    ("ThisWorkbook", "0{00020819-0000-0000-C000-000000000046}"),
    ("Sheet1", "0{00020820-0000-0000-C000-000000000046}"),
)

# References of the VBA project, as libid strings ([MS-OVBA] 2.1.1.8). stdole is in every
# project; the Office library declares IRibbonControl, used by the ribbon callbacks. The same two
# references as xlwings' own add-in. Excel resolves registered type libraries by GUID and
# version, so the path is a hint only.
REFERENCES = (
    (
        "stdole",
        "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
        "C:\\Windows\\System32\\stdole2.tlb#OLE Automation",
    ),
    (
        "Office",
        "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
        "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
        "Microsoft Office 16.0 Object Library",
    ),
)

# Patches applied to xlwings' ``xlwings_custom_addin.bas`` when vendoring it. Each old text must
# occur exactly once. The two security patches stop a workbook from configuring the add-in:
# xlwings reads settings (among them the Python interpreter to start) from a sheet named
# "<project>.conf" in the *active* workbook and from a "<project>.conf" file next to it, so an
# untrusted workbook could name the program that a click on "Beregn" starts. Our add-in takes
# its settings only from its own hidden sheet and from the user's file
# %USERPROFILE%\.kommuneokonomi\kommuneokonomi.conf.
XLWINGS_PATCHES: tuple[tuple[str, str], ...] = (
    (
        'Public Const PROJECT_NAME As String = "myaddin"',
        f'Public Const PROJECT_NAME As String = "{ADDIN_NAME}"',
    ),
    (
        'If SheetExists(ActiveWorkbook, PROJECT_NAME & ".conf") = True Then',
        "If False Then ' kommuneokonomi: never read settings from the active workbook",
    ),
    (
        "If FileExists(GetDirectoryConfigFilePath()) = True Then",
        "If False Then ' kommuneokonomi: never read settings from the workbook's folder",
    ),
)


# --------------------------------------------------------------------------------------------
# Text sources
# --------------------------------------------------------------------------------------------


def normalise_newlines(text: str) -> str:
    """``text`` with CRLF and lone CR turned into LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def vendor_xlwings(upstream: str) -> str:
    """xlwings' custom add-in module with :data:`XLWINGS_PATCHES` applied (LF line ends)."""
    text = normalise_newlines(upstream)
    for old, new in XLWINGS_PATCHES:
        count = text.count(old)
        if count != 1:
            raise ValueError(f"xlwings patch target found {count} times, expected once: {old!r}")
        text = text.replace(old, new)
    return text


def installed_xlwings_module() -> str:
    """The text of ``xlwings_custom_addin.bas`` in the installed xlwings package."""
    from importlib import resources

    ref = resources.files("xlwings") / "xlwings_custom_addin.bas"
    return ref.read_text(encoding="utf-8")


def vba_source_bytes(text: str) -> bytes:
    """Module source as stored in a module stream: code page 1252, CRLF, ending in CRLF."""
    lines = normalise_newlines(text).rstrip("\n").split("\n")
    return ("\r\n".join(lines) + "\r\n").encode(f"cp{CODE_PAGE}")


def document_module_source(name: str, base: str) -> str:
    """The attribute block that a document module (workbook, sheet) starts with."""
    return "\n".join(
        [
            f'Attribute VB_Name = "{name}"',
            f'Attribute VB_Base = "{base}"',
            "Attribute VB_GlobalNameSpace = False",
            "Attribute VB_Creatable = False",
            "Attribute VB_PredeclaredId = True",
            "Attribute VB_Exposed = True",
            "Attribute VB_TemplateDerived = False",
            "Attribute VB_Customizable = True",
        ]
    )


_VB_NAME = re.compile(r'^Attribute VB_Name = "([^"]+)"\s*$')


def read_standard_module(path: Path) -> str:
    """A ``.bas`` file's text; its first line must name the module after the file."""
    text = normalise_newlines(path.read_text(encoding="utf-8"))
    first = text.split("\n", 1)[0]
    match = _VB_NAME.match(first)
    if match is None or match.group(1) != path.stem:
        raise ValueError(f'{path}: first line must be: Attribute VB_Name = "{path.stem}"')
    return text


_CONF_LINE = re.compile(r'^"([^"]+)","([^"]*)"$')


def read_config(path: Path) -> list[tuple[str, str]]:
    """Settings in xlwings' config file format: one ``"KEY","VALUE"`` per line."""
    settings: list[tuple[str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _CONF_LINE.match(line.strip())
        if match is None:
            raise ValueError(f'{path}, line {number}: expected "KEY","VALUE", got {line!r}')
        settings.append((match.group(1), match.group(2)))
    return settings


# --------------------------------------------------------------------------------------------
# [MS-OVBA] 2.4.1: compression
# --------------------------------------------------------------------------------------------

_CHUNK = 4096


def _match_length(data: bytes, candidate: int, current: int, end: int) -> int:
    """How many bytes from ``candidate`` equal those from ``current``, up to ``end``."""
    limit = end - current
    low, high = 0, limit
    # Largest n with data[candidate:candidate+n] == data[current:current+n], by bisection over
    # slice comparisons (fast in C). Equality of prefixes is monotone in n.
    while low < high:
        mid = (low + high + 1) // 2
        if data[candidate : candidate + mid] == data[current : current + mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _compress_chunk(data: bytes, start: int, end: int) -> bytes:
    """One CompressedChunk ([MS-OVBA] 2.4.1.3.7) for ``data[start:end]`` (at most 4096 bytes)."""
    out = bytearray()
    chains: dict[bytes, list[int]] = {}
    current = start
    while current < end:
        flag_index = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if current >= end:
                break
            # Matching (2.4.1.3.19.4): the longest earlier match in this chunk; among equally
            # long ones the nearest (the spec scans backwards and keeps strictly longer ones).
            # Only candidates that share the next three bytes can reach the minimum length 3.
            best_length, best_candidate = 0, 0
            key = data[current : current + 3]
            if len(key) == 3:
                for candidate in reversed(chains.get(key, ())):
                    length = _match_length(data, candidate, current, end)
                    if length > best_length:
                        best_length, best_candidate = length, candidate
            if best_length >= 3:
                difference = current - start
                bit_count = max((difference - 1).bit_length(), 4)
                maximum_length = (0xFFFF >> bit_count) + 3
                length = min(best_length, maximum_length)
                offset = current - best_candidate
                token = ((offset - 1) << (16 - bit_count)) | (length - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = length
            else:
                out.append(data[current])
                step = 1
            for position in range(current, current + step):
                if position + 3 <= end:
                    chains.setdefault(data[position : position + 3], []).append(position)
            current += step
        out[flag_index] = flags
    if len(out) > _CHUNK:
        # Would not fit: a raw chunk holds exactly 4096 bytes, so only a full chunk can be raw.
        if end - start != _CHUNK:
            raise ValueError("incompressible short chunk: not representable without padding")
        header = 0x3000 | (_CHUNK - 1)  # size field 4095, signature 0b011, flag 0 (raw)
        return struct.pack("<H", header) + data[start:end]
    header = 0x8000 | 0x3000 | (len(out) + 2 - 3)
    return struct.pack("<H", header) + bytes(out)


def compress(data: bytes) -> bytes:
    """``data`` as a CompressedContainer ([MS-OVBA] 2.4.1.1.1)."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), _CHUNK):
        out += _compress_chunk(data, start, min(start + _CHUNK, len(data)))
    return bytes(out)


# --------------------------------------------------------------------------------------------
# [MS-OVBA] 2.4.3: data encryption of the PROJECT stream's protection fields
# --------------------------------------------------------------------------------------------


def encrypt(project_id: str, data: bytes, *, seed: int) -> str:
    """``data`` encrypted as [MS-OVBA] 2.4.3.2 describes, as the hex text the stream holds.

    The seed and the ignored bytes "MAY be any value"; they are fixed here so that the output
    is reproducible.
    """
    version = 2
    project_key = sum(project_id.encode("ascii")) & 0xFF
    # The state starts from the encrypted version and key, as decryption (2.4.3.3) reads them.
    unencrypted_1 = project_key
    encrypted_1 = seed ^ project_key
    encrypted_2 = seed ^ version
    out = bytearray([seed, encrypted_2, encrypted_1])
    ignored = bytes([0x07] * ((seed & 6) // 2))
    for byte in ignored + struct.pack("<I", len(data)) + data:
        byte_enc = byte ^ ((encrypted_2 + unencrypted_1) & 0xFF)
        out.append(byte_enc)
        encrypted_2, encrypted_1, unencrypted_1 = encrypted_1, byte_enc, byte
    return out.hex().upper()


# --------------------------------------------------------------------------------------------
# [MS-OVBA] 2.3: the VBA project's streams
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, kind and stored source (code page 1252, CRLF)."""

    name: str
    document: bool
    source: bytes


def _record(record_id: int, data: bytes) -> bytes:
    return struct.pack("<HI", record_id, len(data)) + data


def _mbcs(text: str) -> bytes:
    return text.encode(f"cp{CODE_PAGE}")


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def dir_stream(project_name: str, modules: Sequence[Module]) -> bytes:
    """The decompressed ``dir`` stream ([MS-OVBA] 2.3.4.2)."""
    out = bytearray()
    # PROJECTINFORMATION
    out += _record(0x0001, struct.pack("<I", 3))  # SysKind: 64-bit Windows, as xlwings' add-in
    out += _record(0x0002, struct.pack("<I", 0x0409))  # LCID
    out += _record(0x0014, struct.pack("<I", 0x0409))  # LCIDINVOKE
    out += _record(0x0003, struct.pack("<H", CODE_PAGE))  # CODEPAGE
    out += _record(0x0004, _mbcs(project_name))  # NAME
    out += _record(0x0005, b"") + _record(0x0040, b"")  # DOCSTRING + unicode
    out += _record(0x0006, b"") + _record(0x003D, b"")  # HELPFILEPATH 1 + 2
    out += _record(0x0007, struct.pack("<I", 0))  # HELPCONTEXT
    out += _record(0x0008, struct.pack("<I", 0))  # LIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)  # VERSION: reserved 4, major 1, minor 0
    out += _record(0x000C, b"") + _record(0x003C, b"")  # CONSTANTS + unicode
    # PROJECTREFERENCES: REFERENCENAME then REFERENCEREGISTERED
    for name, libid in REFERENCES:
        out += _record(0x0016, _mbcs(name)) + _record(0x003E, _utf16(name))
        libid_bytes = _mbcs(libid)
        registered = struct.pack("<I", len(libid_bytes)) + libid_bytes + struct.pack("<IH", 0, 0)
        out += _record(0x000D, registered)
    # PROJECTMODULES
    out += _record(0x000F, struct.pack("<H", len(modules)))
    out += _record(0x0013, struct.pack("<H", 0xFFFF))  # PROJECTCOOKIE
    for module in modules:
        out += _record(0x0019, _mbcs(module.name)) + _record(0x0047, _utf16(module.name))
        out += _record(0x001A, _mbcs(module.name)) + _record(0x0032, _utf16(module.name))
        out += _record(0x001C, b"") + _record(0x0048, b"")  # DOCSTRING
        out += _record(0x0031, struct.pack("<I", 0))  # OFFSET: source starts the stream
        out += _record(0x001E, struct.pack("<I", 0))  # HELPCONTEXT
        out += _record(0x002C, struct.pack("<H", 0xFFFF))  # COOKIE
        out += _record(0x0022 if module.document else 0x0021, b"")  # TYPE
        out += _record(0x002B, b"")  # terminator
    out += _record(0x0010, b"")  # dir terminator (Id 0x0010, Reserved 0)
    return bytes(out)


NOT_PROTECTED = bytes(4)  # ProjectProtectionState 0: nothing locked
NO_PASSWORD = bytes([0x00])  # ProjectPassword: no password
VISIBLE = bytes([0xFF])  # ProjectVisibilityState: the project is visible


def project_stream(project_name: str, modules: Sequence[Module]) -> bytes:
    """The ``PROJECT`` stream ([MS-OVBA] 2.3.1): the project's properties as text."""
    project_id = "{" + str(PROJECT_GUID).upper() + "}"
    lines = [f'ID="{project_id}"']
    for module in modules:
        if module.document:
            lines.append(f"Document={module.name}/&H00000000")
        else:
            lines.append(f"Module={module.name}")
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        # Not protected (state 0), no password (0x00), visible (0xFF): 2.3.1.15-17.
        f'CMG="{encrypt(project_id, NOT_PROTECTED, seed=0x07)}"',
        f'DPB="{encrypt(project_id, NO_PASSWORD, seed=0x0E)}"',
        f'GC="{encrypt(project_id, VISIBLE, seed=0x15)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
    ]
    lines += [f"{module.name}=0, 0, 0, 0, C" for module in modules]
    return _mbcs("\r\n".join(lines) + "\r\n")


def projectwm_stream(modules: Sequence[Module]) -> bytes:
    """The ``PROJECTwm`` stream ([MS-OVBA] 2.3.3): module names in MBCS and UTF-16."""
    out = bytearray()
    for module in modules:
        out += _mbcs(module.name) + b"\x00" + _utf16(module.name) + b"\x00\x00"
    return bytes(out + b"\x00\x00")


# [MS-OVBA] 2.3.4.1: Reserved1 0x61CC, Version 0xFFFF ("MUST be 0xFFFF on write"), Reserved2 0,
# Reserved3 0x0001 (as in the spec's example 3.1.1), no performance cache.
VBA_PROJECT_STREAM = struct.pack("<HHBH", 0x61CC, 0xFFFF, 0x00, 0x0001)


# --------------------------------------------------------------------------------------------
# [MS-CFB]: a version 3 compound file (512-byte sectors)
# --------------------------------------------------------------------------------------------

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREESECT = 0xFFFFFFFF
ENDOFCHAIN = 0xFFFFFFFE
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_DIRS_PER_SECTOR = SECTOR // 128
_IDS_PER_SECTOR = SECTOR // 4


@dataclass
class Entry:
    """A storage (with children) or a stream (with data) in a compound file."""

    name: str
    data: bytes = b""
    children: list[Entry] = field(default_factory=list)
    storage: bool = False


def _cfb_key(name: str) -> tuple[int, str]:
    # [MS-CFB] 2.6.4: shorter names sort first, then by upper-cased UTF-16 code units.
    return (len(name.encode("utf-16-le")), name.upper())


def _sectors(size: int, unit: int) -> int:
    return (size + unit - 1) // unit


def compound_file(root_children: Sequence[Entry]) -> bytes:
    """A compound file holding ``root_children`` under the root storage.

    Layout: FAT sectors, directory, mini FAT, the mini stream, then the large streams. All
    times and class ids are zero. Sibling trees are balanced binary search trees coloured as
    valid red-black trees (the deepest, incomplete level red, all others black).
    """
    # Flatten into directory entries: index 0 is the root.
    entries: list[Entry] = [Entry("Root Entry", children=list(root_children), storage=True)]
    order: list[int] = [0]
    i = 0
    while i < len(order):
        parent = entries[order[i]]
        for child in parent.children:
            entries.append(child)
            order.append(len(entries) - 1)
        i += 1
    index = {id(entry): n for n, entry in enumerate(entries)}
    left = [NOSTREAM] * len(entries)
    right = [NOSTREAM] * len(entries)
    child_of = [NOSTREAM] * len(entries)
    black = [True] * len(entries)

    def build_tree(items: list[Entry], depth: int, red_from: int) -> int:
        if not items:
            return NOSTREAM
        middle = len(items) // 2
        node = index[id(items[middle])]
        black[node] = depth < red_from
        left[node] = build_tree(items[:middle], depth + 1, red_from)
        right[node] = build_tree(items[middle + 1 :], depth + 1, red_from)
        return node

    for entry in entries:
        if entry.storage and entry.children:
            for child in entry.children:
                if len(child.name) > 31 or any(c in child.name for c in "/\\:!"):
                    raise ValueError(f"invalid compound file entry name: {child.name!r}")
            names = [_cfb_key(child.name) for child in entry.children]
            if len(set(names)) != len(names):
                raise ValueError("duplicate entry names in one storage")
            items = sorted(entry.children, key=lambda e: _cfb_key(e.name))
            # Levels 0..h-1 of a size-balanced tree are full; the nodes below are red.
            full_levels = (len(items) + 1).bit_length() - 1
            child_of[index[id(entry)]] = build_tree(items, 0, full_levels)

    streams = [n for n, e in enumerate(entries) if not e.storage]
    small = [n for n in streams if len(entries[n].data) < MINI_CUTOFF]
    large = [n for n in streams if len(entries[n].data) >= MINI_CUTOFF]

    # Mini stream and mini FAT.
    mini_start: dict[int, int] = {}
    mini_fat: list[int] = []
    mini_data = bytearray()
    for n in small:
        data = entries[n].data
        count = _sectors(len(data), MINI_SECTOR)
        if count == 0:
            continue
        first = len(mini_fat)
        mini_start[n] = first
        mini_fat += [first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
        mini_data += data + bytes(count * MINI_SECTOR - len(data))

    dir_sectors = _sectors(len(entries) * 128, SECTOR)
    minifat_sectors = _sectors(len(mini_fat) * 4, SECTOR)
    ministream_sectors = _sectors(len(mini_data), SECTOR)
    large_sectors = [_sectors(len(entries[n].data), SECTOR) for n in large]
    body = dir_sectors + minifat_sectors + ministream_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * _IDS_PER_SECTOR < fat_sectors + body:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("file too large for a header-only DIFAT")

    fat: list[int] = [FATSECT] * fat_sectors
    next_sector = fat_sectors

    def chain(count: int) -> int:
        nonlocal next_sector
        if count == 0:
            return ENDOFCHAIN
        first = next_sector
        fat.extend([first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN])
        next_sector += count
        return first

    dir_start = chain(dir_sectors)
    minifat_start = chain(minifat_sectors)
    ministream_start = chain(ministream_sectors)
    large_start = {n: chain(count) for n, count in zip(large, large_sectors, strict=True)}
    fat += [FREESECT] * (fat_sectors * _IDS_PER_SECTOR - len(fat))

    # Directory.
    directory = bytearray()
    for n, entry in enumerate(entries):
        name = _utf16(entry.name) + b"\x00\x00"
        if n == 0:
            kind, start, size = 5, ministream_start, len(mini_data)
        elif entry.storage:
            kind, start, size = 1, 0, 0
        else:
            kind, size = 2, len(entry.data)
            start = large_start[n] if n in large_start else mini_start.get(n, ENDOFCHAIN)
        directory += name + bytes(64 - len(name))
        directory += struct.pack(
            "<HBBIII16sIQQIQ",
            len(name),
            kind,
            1 if black[n] else 0,
            left[n],
            right[n],
            child_of[n],
            bytes(16),
            0,
            0,
            0,
            start,
            size,
        )
    for _ in range(dir_sectors * _DIRS_PER_SECTOR - len(entries)):
        directory += bytes(64) + struct.pack(
            "<HBBIII16sIQQIQ", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM, bytes(16), 0, 0, 0, 0, 0
        )

    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        bytes(16),
        0x003E,  # minor version
        0x0003,  # major version 3
        0xFFFE,  # byte order: little-endian
        9,  # sector shift: 512
        6,  # mini sector shift: 64
        bytes(6),
        0,  # number of directory sectors: 0 in version 3
        fat_sectors,
        dir_start,
        0,  # transaction signature
        MINI_CUTOFF,
        minifat_start if minifat_sectors else ENDOFCHAIN,
        minifat_sectors,
        ENDOFCHAIN,  # first DIFAT sector: none
        0,
    ) + struct.pack("<109I", *difat)

    def padded(data: bytes | bytearray) -> bytes:
        return bytes(data) + bytes(_sectors(len(data), SECTOR) * SECTOR - len(data))

    minifat_bytes = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
    minifat_bytes += struct.pack("<I", FREESECT) * (
        minifat_sectors * _IDS_PER_SECTOR - len(mini_fat)
    )
    out = bytearray(header)
    out += struct.pack(f"<{len(fat)}I", *fat)
    out += padded(directory)
    out += padded(minifat_bytes) if minifat_sectors else b""
    out += padded(mini_data)
    for n in large:
        out += padded(entries[n].data)
    assert len(out) == SECTOR * (1 + next_sector)
    return bytes(out)


def vba_project_bin(project_name: str, modules: Sequence[Module]) -> bytes:
    """``xl/vbaProject.bin``: the VBA storage ([MS-OVBA] 2.2) as a compound file."""
    vba = Entry(
        "VBA",
        storage=True,
        children=[
            Entry("_VBA_PROJECT", VBA_PROJECT_STREAM),
            Entry("dir", compress(dir_stream(project_name, modules))),
            *[Entry(module.name, compress(module.source)) for module in modules],
        ],
    )
    return compound_file(
        [
            Entry("PROJECT", project_stream(project_name, modules)),
            Entry("PROJECTwm", projectwm_stream(modules)),
            vba,
        ]
    )


# --------------------------------------------------------------------------------------------
# The OOXML package (.xlam)
# --------------------------------------------------------------------------------------------

XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = f"{NS_R}/officeDocument"
REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
REL_APP = f"{NS_R}/extended-properties"
# [MS-OI29500] 3.4.1.4: the CustomUI2 part (customUI14.xml, Office 2010 and later).
REL_CUSTOM_UI14 = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
REL_WORKSHEET = f"{NS_R}/worksheet"
REL_STYLES = f"{NS_R}/styles"
REL_VBA_PROJECT = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
CT_ADDIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_VBA_PROJECT = "application/vnd.ms-office.vbaProject"
CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
CT_APP = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"


def _relationships(rels: Iterable[tuple[str, str, str]]) -> bytes:
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in rels
    )
    return (XML_DECL + f'<Relationships xmlns="{NS_PKG_REL}">{items}</Relationships>').encode()


def _content_types() -> bytes:
    overrides = [
        ("/xl/workbook.xml", CT_ADDIN),
        ("/xl/worksheets/sheet1.xml", CT_WORKSHEET),
        ("/xl/styles.xml", CT_STYLES),
        ("/xl/vbaProject.bin", CT_VBA_PROJECT),
        ("/docProps/core.xml", CT_CORE),
        ("/docProps/app.xml", CT_APP),
    ]
    items = (
        f'<Default Extension="rels" ContentType="{CT_RELS}"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    )
    return (XML_DECL + f'<Types xmlns="{NS_CT}">{items}</Types>').encode()


def _workbook_xml() -> bytes:
    return (
        XML_DECL + f'<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
        '<workbookPr codeName="ThisWorkbook"/>'
        '<bookViews><workbookView visibility="hidden"/></bookViews>'
        f'<sheets><sheet name="{CONFIG_SHEET}" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ).encode()


def _config_sheet_xml(settings: Sequence[tuple[str, str]]) -> bytes:
    rows = []
    for number, (key, value) in enumerate(settings, start=1):
        rows.append(
            f'<row r="{number}">'
            f'<c r="A{number}" t="inlineStr"><is><t>{escape(key)}</t></is></c>'
            f'<c r="B{number}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
            "</row>"
        )
    dimension = f"A1:B{len(settings)}" if settings else "A1"
    return (
        XML_DECL + f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_R}">'
        '<sheetPr codeName="Sheet1"/>'
        f'<dimension ref="{dimension}"/>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="1" width="34" customWidth="1"/>'
        '<col min="2" max="2" width="34" customWidth="1"/></cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        "</worksheet>"
    ).encode()


def _styles_xml() -> bytes:
    return (
        XML_DECL + f'<styleSheet xmlns="{NS_MAIN}">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    ).encode()


def _core_xml() -> bytes:
    return (
        XML_DECL + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/'
        '2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:title>Kommuneøkonomi</dc:title>"
        "<dc:creator>kommuneokonomi</dc:creator>"
        "</cp:coreProperties>"
    ).encode()


def _app_xml() -> bytes:
    return (
        XML_DECL + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties"><Application>Microsoft Excel</Application></Properties>'
    ).encode()


def load_modules(src: Path = SRC) -> list[Module]:
    """The project's modules from ``src``: documents first, then the standard modules."""
    modules = [
        Module(name, True, vba_source_bytes(document_module_source(name, base)))
        for name, base in DOCUMENT_MODULES
    ]
    for name in STANDARD_MODULES:
        text = read_standard_module(src / f"{name}.bas")
        modules.append(Module(name, False, vba_source_bytes(text)))
    return modules


def package_parts(src: Path = SRC) -> dict[str, bytes]:
    """Every part of the .xlam, by zip entry name."""
    custom_ui = (src / "customUI14.xml").read_bytes()
    settings = read_config(src / f"{ADDIN_NAME}.conf")
    return {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _relationships(
            [
                ("rId1", REL_OFFICE_DOCUMENT, "xl/workbook.xml"),
                ("rId2", REL_CORE, "docProps/core.xml"),
                ("rId3", REL_APP, "docProps/app.xml"),
                ("rId4", REL_CUSTOM_UI14, "customUI/customUI14.xml"),
            ]
        ),
        "customUI/customUI14.xml": custom_ui,
        "docProps/app.xml": _app_xml(),
        "docProps/core.xml": _core_xml(),
        "xl/_rels/workbook.xml.rels": _relationships(
            [
                ("rId1", REL_WORKSHEET, "worksheets/sheet1.xml"),
                ("rId2", REL_STYLES, "styles.xml"),
                ("rId3", REL_VBA_PROJECT, "vbaProject.bin"),
            ]
        ),
        "xl/styles.xml": _styles_xml(),
        "xl/vbaProject.bin": vba_project_bin(VBA_PROJECT_NAME, load_modules(src)),
        "xl/workbook.xml": _workbook_xml(),
        "xl/worksheets/sheet1.xml": _config_sheet_xml(settings),
    }


def build_bytes(src: Path = SRC) -> bytes:
    """The .xlam as bytes that depend only on the sources.

    Zip entries are dated 1980-01-01, ``[Content_Types].xml`` first and the rest sorted by
    name, deflated (:func:`kommuneokonomi.workbook.build.reproducible_zip`).
    """
    return reproducible_zip(package_parts(src))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DIST, help=f"output file (default {DIST})")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if --out differs from a fresh build"
    )
    parser.add_argument(
        "--vendor-xlwings",
        action="store_true",
        help="rewrite addin/src/xlwings.bas from the installed xlwings package, then build",
    )
    args = parser.parse_args(argv)
    if args.vendor_xlwings:
        target = SRC / "xlwings.bas"
        target.write_text(vendor_xlwings(installed_xlwings_module()), encoding="utf-8")
        print(f"{target} (fra xlwings installert i {sys.prefix})")
    data = build_bytes()
    targets = [DIST, PACKAGED] if args.out == DIST else [args.out]
    if args.check:
        stale = [t for t in targets if not t.exists() or t.read_bytes() != data]
        for target in stale:
            print(f"{target} er utdatert: kjør python scripts/build_addin.py", file=sys.stderr)
        if not stale:
            print(", ".join(str(t) for t in targets) + " er oppdatert")
        return 1 if stale else 0
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{target} ({len(data)} byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
