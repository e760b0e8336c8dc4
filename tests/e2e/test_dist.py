"""An install that works as written (issue 14, point 6): ``make dist`` builds the wheel with
the add-in inside and a zip an IT department can hand out; the wheel installs into a fresh
virtual environment, where ``kommuneokonomi demo`` and the add-in commands run."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_dist.py"), str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = folder.glob("*.whl")
    (archive,) = folder.glob("*-windows.zip")
    return wheel, archive


def test_the_zip_holds_the_wheel_an_install_script_and_a_read_me(
    built: tuple[Path, Path],
) -> None:
    wheel, archive = built
    with zipfile.ZipFile(archive) as z:
        assert sorted(z.namelist()) == sorted(["LES-MEG.txt", "installer.cmd", wheel.name])
        script = z.read("installer.cmd").decode("ascii")
        read_me = z.read("LES-MEG.txt").decode("utf-8")
    assert f'"%~dp0{wheel.name}[excel]"' in script  # from the file, never from an index
    assert 'kommuneokonomi.exe" addin install' in script and "\r\n" in script
    assert "py -3 -m venv" in script and "sys.version_info < (3, 11)" in script
    assert "installer.cmd" in read_me and "Microsoft Store" in read_me
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "kommuneokonomi/data/addin/kommuneokonomi.xlam" in names
    assert "kommuneokonomi/data/katalog/innsparing.toml" in names
    assert (REPO / "addin" / "dist" / "kommuneokonomi.xlam").read_bytes() == zipfile.ZipFile(
        wheel
    ).read("kommuneokonomi/data/addin/kommuneokonomi.xlam")


def test_the_wheel_installs_and_runs_in_a_fresh_environment(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    wheel, _ = built
    env = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    python = env / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    command = env / "bin" / "kommuneokonomi"
    demo = subprocess.run(
        [str(command), "demo", str(tmp_path / "demo")], capture_output=True, text=True, check=False
    )
    assert demo.returncode == 0, demo.stderr
    assert "Resultat: alle kontroller OK." in demo.stdout
    folder, config = tmp_path / "XLSTART", tmp_path / "k.conf"
    args = ["--mappe", str(folder), "--konfig", str(config)]
    status = subprocess.run(
        [str(command), "addin", "status", *args], capture_output=True, text=True, check=False
    )
    assert status.returncode == 0, status.stderr
    assert "xlwings: ikke installert (tillegget krever 0.37.8)" in status.stdout
    check = subprocess.run(
        [str(command), "addin", "sjekk", *args], capture_output=True, text=True, check=False
    )
    assert check.returncode == 1 and "FEIL" in check.stdout  # nothing installed yet
