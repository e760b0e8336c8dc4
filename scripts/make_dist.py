"""Build what an IT department distributes: the wheel (with the add-in inside) and a zip with the
wheel, an install script for Windows and a Norwegian read-me.

Run: ``python scripts/make_dist.py [MAPPE]`` (default ``dist/``), or ``make dist``. The package
is not on a public index; users install from this file (or from the repository's URL).
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: The Windows install script, run from the unpacked zip (cmd, not as administrator). A virtual
#: environment in the user's profile: the xlwings DLL lands where the add-in looks for it
#: (see ``kommuneokonomi addin sjekk``), and no administrator rights are needed.
INSTALL_CMD = r"""@echo off
rem Installerer kommuneokonomi og Excel-tillegget for denne brukeren (ikke som administrator).
setlocal
set VENV=%USERPROFILE%\kommuneokonomi-venv
where py >nul 2>nul
if errorlevel 1 (
  echo Fant ikke Python-oppstarteren py. Installer Python 3.11 eller nyere fra python.org.
  exit /b 2
)
py -3 -c "import sys; sys.exit(sys.version_info < (3, 11))"
if errorlevel 1 (
  echo Python 3.11 eller nyere trengs. Installer den fra python.org og prov igjen.
  exit /b 2
)
if not exist "%VENV%\Scripts\python.exe" py -3 -m venv "%VENV%" || exit /b 2
"%VENV%\Scripts\python.exe" -m pip install --upgrade "%~dp0{wheel}[excel]" || exit /b 2
"%VENV%\Scripts\kommuneokonomi.exe" addin install || exit /b 2
"%VENV%\Scripts\kommuneokonomi.exe" addin sjekk
echo.
echo Ferdig. Start Excel; fanen Kommuneokonomi vises i baandet.
"""

READ_ME = """Kommuneøkonomi {version}: installasjon på Windows
====================================================

1. Pakk ut zip-filen i en mappe.
2. Dobbeltklikk installer.cmd (eller kjør den i et ledetekstvindu, ikke som administrator).
   Den lager et virtuelt Python-miljø i %USERPROFILE%\\kommuneokonomi-venv, installerer
   {wheel} med Excel-delen (xlwings 0.37.8) og legger tillegget i Excels oppstartsmappe.
3. Start Excel. Fanen «Kommuneøkonomi» vises; funksjonene KO_... følger med tillegget.

Trengs: Python 3.11 eller nyere fra python.org (ikke fra Microsoft Store), og tilgang til
pypi.org for pakkene kommuneokonomi bruker (pandas, openpyxl, xlwings ...).

«kommuneokonomi addin sjekk» viser det som kan stoppe tillegget (DLL-en, innstillingene,
Office- og Defender-retningslinjer). Sjekklisten for IT står i docs/windows-sjekkliste.md
i kildekoden.
"""


def build(folder: Path) -> tuple[Path, Path]:
    """The wheel and the zip in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("kommuneokonomi-*"):
        old.unlink()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(folder),
            str(REPO),
        ],
        check=True,
    )
    (wheel,) = folder.glob("kommuneokonomi-*.whl")
    version = wheel.name.split("-")[1]
    archive = folder / f"kommuneokonomi-{version}-windows.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(wheel, wheel.name)
        z.writestr("installer.cmd", INSTALL_CMD.format(wheel=wheel.name).replace("\n", "\r\n"))
        z.writestr(
            "LES-MEG.txt", READ_ME.format(version=version, wheel=wheel.name).replace("\n", "\r\n")
        )
    return wheel, archive


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    wheel, archive = build(Path(args[0]) if args else REPO / "dist")
    print(f"{wheel}\n{archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
