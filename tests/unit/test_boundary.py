"""The engine stays pure: importing it must not load an Excel library."""

from __future__ import annotations

import json
import subprocess
import sys


def test_engine_imports_no_excel_library() -> None:
    code = (
        "import json, sys\n"
        "import kommuneokonomi.engine\n"
        "import kommuneokonomi.examples\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'xlwings', 'openpyxl', 'xlsxwriter', 'python_calamine'})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
    # and the probe itself works: importing openpyxl-free pandas loaded the engine modules
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import kommuneokonomi.engine, sys; print('kommuneokonomi.engine.savings' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "True"
