"""LibreOffice (headless) from Python: finding ``soffice`` and running it bounded.

The note's PDF (:func:`kommuneokonomi.note.to_pdf`) and the tests that use LibreOffice as an
independent reader (``tests/support/libreoffice.py``) both go through here.

``soffice`` is a shell script that starts ``oosplash`` and ``soffice.bin``: on a timeout the
whole process group the call started is killed (a plain ``subprocess.run(timeout=...)`` would
kill only the script and leave LibreOffice running). Every conversion gets its own throw-away
user profile, so LibreOffice is never started twice with the same profile (which would hand
the job to the running instance, or fail).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Sequence
from pathlib import Path

__all__ = ["OfficeError", "convert", "run_bounded", "soffice_path"]

_CANDIDATES = (
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


class OfficeError(RuntimeError):
    """LibreOffice (or a poppler tool) failed, timed out or produced no output."""


def soffice_path() -> str | None:
    """The ``soffice`` executable: ``$SOFFICE`` if set, else on PATH, else a usual place."""
    configured = os.environ.get("SOFFICE")
    if configured:
        return configured if shutil.which(configured) else None
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in _CANDIDATES if os.access(c, os.X_OK)), None)


def run_bounded(cmd: Sequence[str], *, timeout: float, cwd: Path) -> tuple[int, str]:
    """Run ``cmd`` in its own process group; on timeout kill that group and raise
    :class:`OfficeError`. Returns the exit code and the combined output."""
    own_group = os.name == "posix"
    proc = subprocess.Popen(
        list(cmd),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=own_group,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # the group leader is not reaped yet, so its pgid still names only our processes
        with contextlib.suppress(ProcessLookupError):
            if own_group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        out, _ = proc.communicate()
        raise OfficeError(
            f"{Path(cmd[0]).name} did not finish in {timeout:g} s (killed): {out.strip()}"
        ) from None
    return proc.returncode, out


def convert(
    source: Path,
    target: str,
    workdir: Path,
    *,
    timeout: float,
    settings_xcu: str | None = None,
) -> Path:
    """Convert ``source`` with LibreOffice into ``workdir / "out"``; return the file made.

    Args:
        source: the file to convert (not modified).
        target: ``--convert-to``'s argument, e.g. ``pdf`` or ``xlsx:"Calc MS Excel 2007 XML"``.
        workdir: an empty folder the call may use (profile and output).
        timeout: seconds before LibreOffice is killed.
        settings_xcu: ``registrymodifications.xcu`` for the fresh profile (e.g. forced
            recalculation), or None for LibreOffice's defaults.

    Raises:
        OfficeError: ``soffice`` is not installed, timed out, or made no file.
    """
    soffice = soffice_path()
    if soffice is None:
        raise OfficeError("LibreOffice (soffice) not found; install libreoffice-calc-nogui")
    profile = workdir / "profile"
    (profile / "user").mkdir(parents=True)
    if settings_xcu is not None:
        (profile / "user" / "registrymodifications.xcu").write_text(settings_xcu, "utf-8")
    outdir = workdir / "out"
    outdir.mkdir()
    cmd = [
        soffice,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--nodefault",
        "--nolockcheck",
        "--convert-to",
        target,
        "--outdir",
        str(outdir),
        str(source),
    ]
    code, out = run_bounded(cmd, timeout=timeout, cwd=workdir)
    extension = target.split(":", 1)[0]
    result = outdir / f"{source.stem}.{extension}"
    # soffice exits 0 even when it could not load the file, so the output file is the test.
    if code != 0 or not result.is_file():
        raise OfficeError(
            f"soffice could not convert {source} to {extension} (exit {code}): {out.strip()}"
        )
    return result
