"""Render one sheet of a workbook to PNG through headless LibreOffice (for README pictures).

Run: ``python scripts/screenshot.py FILE SHEET OUT.png [--dpi N]``

The workbook is copied, recalculated by LibreOffice (formulas are computed, not read from the
cache), exported to PDF with one page per sheet and the page of SHEET turned into PNG with
``pdftoppm``. Needs ``libreoffice-calc-nogui`` and ``poppler-utils`` (``.ci/run`` installs
both). The logic lives in ``tests/support/libreoffice.py``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.libreoffice import LibreOfficeError, render_png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path, help="the .xlsx/.xlsm workbook")
    parser.add_argument("sheet", help="the sheet to render")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--dpi", type=int, default=110, help="resolution (default 110)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per step")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"no such file: {args.file}")
    try:
        out = render_png(args.file, args.out, sheet=args.sheet, dpi=args.dpi, timeout=args.timeout)
    except (LibreOfficeError, ValueError) as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
