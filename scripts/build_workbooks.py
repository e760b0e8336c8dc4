"""Build the example workbooks and the empty templates into ``workbooks/``.

Writes ``innsparing_trondheim_2007.xlsx`` (the 2007 reconstruction of the 2008 Trondheim
report: RECONSTRUCTED, not official KOSTRA figures), ``budsjett_trondheim_2019.xlsx`` (the
2019 budget slides with an illustrative plan), ``mal_innsparing.xlsx`` and
``mal_budsjett.xlsx``. The files are byte-reproducible (see
:func:`kommuneokonomi.workbook.build.save_reproducible`) and committed; rerunning this script
rebuilds the same bytes, which ``tests/workbook/test_build.py`` checks.

Run: ``python scripts/build_workbooks.py [FOLDER]`` (default: ``workbooks/`` in the repository).
"""

from __future__ import annotations

import sys
from pathlib import Path

from kommuneokonomi.workbook.build import build_all

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = REPO / "workbooks"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEFAULT_FOLDER
    for path in build_all(folder):
        print(f"{path} ({path.stat().st_size} byte)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
