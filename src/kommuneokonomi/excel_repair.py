"""«Importer funksjoner», the repair action: the worksheet functions written into the add-in
again, as xlwings' ``import_udfs`` does, with every ``Application.Run`` naming this add-in.

The functions ship inside the add-in (``addin/src/xlwings_udfs.bas``, generated at build time),
so this is only needed when they are gone. xlwings' own ``import_udfs`` falls back to running
the macro ``ImportXlwingsUdfsModule`` without naming a workbook, which with the official
xlwings add-in loaded side by side may run that add-in's macro instead of ours. Here
the same steps name ``'kommuneokonomi.xlam'!`` every time. Windows only (VBA project access
through COM); tests drive it with stand-ins for the COM objects.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
from collections.abc import Callable
from typing import Any

__all__ = ["import_functions", "qualified"]

UDF_MODULE = "xlwings_udfs"


def qualified(xl_workbook: Any, macro: str) -> str:
    """``'kommuneokonomi.xlam'!macro``: a macro of this workbook, never another's."""
    return f"'{xl_workbook.Name}'!{macro}"


def import_functions(
    module_names: str,
    xl_workbook: Any,
    *,
    generate: Callable[[str, Any, Any, Any], None] | None = None,
) -> str:
    """Write the declarations of the worksheet functions in ``module_names`` (separated by
    ``;``) into ``xl_workbook``'s VBA project as the module ``xlwings_udfs`` and register their
    help. Returns a Norwegian summary.

    Args:
        generate: xlwings' ``generate_vba_wrapper`` (default; needs pywin32).
    """
    write: Callable[[str, Any, Any, Any], None]
    if generate is None:
        write = importlib.import_module("xlwings.udfs").generate_vba_wrapper  # Windows only
    else:
        write = generate

    names = [n.strip() for n in module_names.split(";") if n.strip()]
    fd, path = tempfile.mkstemp(suffix=".bas", prefix="kommuneokonomi_udfs_")
    try:
        # the Windows ANSI code page, which VBComponents.Import reads (as xlwings writes it)
        with os.fdopen(fd, "w") as out:
            out.write(f'Attribute VB_Name = "{UDF_MODULE}"\n')
            out.write("' Skrevet av Importer funksjoner (kommuneokonomi.excel_repair).\n")
            out.write('#Const App = "Microsoft Excel" \'Adjust when using outside of Excel\n')
            for name in names:
                write(name, importlib.import_module(name), out, xl_workbook)
        components = xl_workbook.VBProject.VBComponents
        with contextlib.suppress(Exception):  # not there yet: nothing to remove
            components.Remove(components(UDF_MODULE))
        try:
            components.Import(path)
        except Exception:  # xlwings' fallback, but only ever this add-in's macro
            xl_workbook.Application.Run(qualified(xl_workbook, "ImportXlwingsUdfsModule"), path)
        xl_workbook.Application.Run(qualified(xl_workbook, "Funksjonshjelp.RegistrerFunksjoner"))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return f"Funksjonene fra {', '.join(names)} er importert i {xl_workbook.Name}."
