"""The installer is all or nothing (issue 14, point 3): it finds the xlwings DLL exactly where
the add-in's VBA will look (xlwings.bas, XLPyLoadDLL) and refuses with the fix when it is not
there, warns about a network XLSTART and a Store Python, and leaves no trace when any step
fails."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kommuneokonomi import addin

DLL = addin.DLL_64


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")


def _settings(python: Path) -> tuple[tuple[str, str], ...]:
    return (("INTERPRETER_WIN", str(python)),)


@pytest.mark.parametrize(
    ("layout", "python", "dll", "found"),
    [
        # a virtual environment: python.exe in Scripts, the DLL in the environment's root
        ("venv", "venv/Scripts/python.exe", f"venv/{DLL}", True),
        # python.org's installer: the DLL beside python.exe (sys.prefix)
        ("plain", "Python311/python.exe", f"Python311/{DLL}", True),
        # pip install --user: the DLL in the user's own base, where the VBA never looks
        (
            "user",
            "Python311/python.exe",
            f"AppData/Roaming/Python/Python311/{DLL}",
            False,
        ),
        # the Microsoft Store: python.exe is an alias under WindowsApps, the DLL elsewhere
        (
            "store",
            "AppData/Local/Microsoft/WindowsApps/python.exe",
            f"Program Files/WindowsApps/PythonSoftwareFoundation.Python.3.11/{DLL}",
            False,
        ),
    ],
)
def test_the_dll_is_searched_where_the_vba_looks(
    tmp_path: Path, layout: str, python: str, dll: str, found: bool
) -> None:
    _tree(tmp_path, [python, dll])
    settings = _settings(tmp_path / python)
    exe = tmp_path / python
    assert addin.dll_candidates(settings) == [
        str(exe.parent / DLL),
        str(exe.parent.parent / DLL),
    ]
    hit = addin.find_dll(settings)
    assert (hit == str(tmp_path / dll)) if found else hit is None, layout


def test_conda_environments_are_resolved_as_xlwings_does() -> None:
    base = (("CONDA PATH", "C:\\miniconda3"), ("CONDA ENV", "base"))
    env = (("CONDA PATH", "C:\\miniconda3"), ("CONDA ENV", "okonomi"))
    assert addin.dll_candidates(base) == ["C:\\miniconda3\\" + DLL, "C:\\" + DLL]
    assert addin.dll_candidates(env)[0] == "C:\\miniconda3\\envs\\okonomi\\" + DLL
    assert addin.dll_candidates((("INTERPRETER_WIN", "pythonw"),)) == []  # from PATH


def test_a_missing_dll_is_refused_with_the_fix_and_nothing_written(tmp_path: Path) -> None:
    python = tmp_path / "Python311" / "python.exe"
    _tree(tmp_path, ["Python311/python.exe", f"AppData/Roaming/Python/Python311/{DLL}"])
    folder, config = tmp_path / "XLSTART", tmp_path / "home" / "k.conf"
    with pytest.raises(addin.AddinError) as info:
        addin.install(
            startup_folder=folder,
            config_file=config,
            settings=_settings(python),
            addin=b"xlam",
            xlwings_version=addin.XLWINGS_VERSION,
            require_dll=True,
        )
    message = info.value.message
    assert f"fant ikke {DLL}" in message and str(python.parent / DLL) in message
    assert "pip install --user" in message and "Ingenting er endret" in message
    assert not folder.exists() and not config.exists() and not config.parent.exists()


def test_the_dll_is_reported_when_found(tmp_path: Path) -> None:
    _tree(tmp_path, ["venv/Scripts/python.exe", f"venv/{DLL}"])
    result = addin.install(
        startup_folder=tmp_path / "XLSTART",
        config_file=tmp_path / "k.conf",
        settings=_settings(tmp_path / "venv" / "Scripts" / "python.exe"),
        addin=b"xlam",
        xlwings_version=addin.XLWINGS_VERSION,
        require_dll=True,
    )
    assert result.dll == tmp_path / "venv" / DLL
    assert result.warnings == ()


def test_network_startup_folder_and_store_python_are_warned() -> None:
    warnings = addin.install_warnings(
        startup_folder=Path(
            "\\\\filserver\\profiler\\kari\\AppData\\Roaming\\Microsoft\\Excel\\XLSTART"
        ),
        settings=(
            (
                "INTERPRETER_WIN",
                "C:\\Users\\kari\\AppData\\Local\\Microsoft\\WindowsApps\\python.exe",
            ),
        ),
    )
    assert len(warnings) == 2
    assert "nettverksområde" in warnings[0] and "klarert plassering" in warnings[0]
    assert "Microsoft Store" in warnings[1]


def _state(root: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(root)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(root.rglob("*"))
    }


@pytest.mark.parametrize("failing", ["config", "staging", "move"])
@pytest.mark.parametrize("earlier", [False, True])
def test_any_failed_step_leaves_no_trace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str, earlier: bool
) -> None:
    folder, config = tmp_path / "XLSTART", tmp_path / "home" / ".kommuneokonomi" / "k.conf"
    if earlier:  # an installation to keep as it was
        addin.install(
            startup_folder=folder,
            config_file=config,
            settings=(("INTERPRETER_WIN", "C:\\gammel\\python.exe"),),
            addin=b"gammelt tillegg",
            xlwings_version=addin.XLWINGS_VERSION,
        )
        (folder / "brukerens.xlsb").write_bytes(b"personlig makrobok")
    before = _state(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Ingen tilgang", str(folder / addin.ADDIN_FILE))

    if failing == "config":
        monkeypatch.setattr(addin, "write_config", broken)
    elif failing == "staging":
        original = Path.write_bytes

        def write(self: Path, data: bytes) -> int:
            if self.name.endswith(".ny"):
                broken()
            return original(self, data)

        monkeypatch.setattr(Path, "write_bytes", write)
    else:
        monkeypatch.setattr(addin.os, "replace", broken)
    with pytest.raises(addin.AddinError, match="Ingenting er endret"):
        addin.install(
            startup_folder=folder,
            config_file=config,
            settings=(("INTERPRETER_WIN", "C:\\ny\\python.exe"),),
            addin=b"nytt tillegg",
            xlwings_version=addin.XLWINGS_VERSION,
        )
    monkeypatch.undo()
    assert _state(tmp_path) == before


def test_the_command_installs_on_windows_only_with_the_dll(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kommuneokonomi import cli

    monkeypatch.setattr(addin, "_on_windows", lambda: True)
    args = ["--mappe", str(tmp_path / "XLSTART"), "--konfig", str(tmp_path / "k.conf")]
    python = tmp_path / "venv" / "Scripts" / "python.exe"
    _tree(tmp_path, ["venv/Scripts/python.exe"])
    assert cli.main(["addin", "install", *args, "--python", str(python)]) == 2
    assert f"fant ikke {DLL}" in capsys.readouterr().err
    assert not (tmp_path / "XLSTART").exists()
    _tree(tmp_path, [f"venv/{DLL}"])
    assert cli.main(["addin", "install", *args, "--python", str(python)]) == 0
    out = capsys.readouterr().out
    assert f"xlwings-DLL-en som Excel laster: {tmp_path / 'venv' / DLL}" in out
    assert "Importer funksjoner» trengs bare som reparasjon" in out
    assert os.path.exists(tmp_path / "XLSTART" / addin.ADDIN_FILE)


# --- kommuneokonomi addin sjekk ---------------------------------------------------------------


class FakeRegistry:
    """Registry values by (root, key, name), as group policy writes them."""

    def __init__(self, values: dict[tuple[str, str, str], object]) -> None:
        self.values = values

    def value(self, root: str, key: str, name: str) -> object | None:
        return self.values.get((root, key, name))


OFFICE = "Software\\Policies\\Microsoft\\Office\\16.0\\Excel\\Security"
ASR = "SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Windows Defender Exploit Guard\\ASR\\Rules"


def _installed(tmp_path: Path) -> tuple[Path, Path]:
    _tree(tmp_path, ["venv/Scripts/python.exe", f"venv/{DLL}"])
    folder, config = tmp_path / "XLSTART", tmp_path / "k.conf"
    addin.install(
        startup_folder=folder,
        config_file=config,
        settings=_settings(tmp_path / "venv" / "Scripts" / "python.exe"),
        addin=b"xlam",
        xlwings_version=addin.XLWINGS_VERSION,
    )
    return folder, config


def test_sjekk_passes_a_healthy_install(tmp_path: Path) -> None:
    folder, config = _installed(tmp_path)
    findings = addin.diagnose(
        startup_folder=folder,
        config_file=config,
        xlwings_version=addin.XLWINGS_VERSION,
        registry=FakeRegistry({}),
        addin=b"xlam",
    )
    assert [(f.sjekk, f.status) for f in findings] == [
        ("Tillegget", "OK"),
        ("Innstillinger", "OK"),
        ("xlwings", "OK"),
        ("xlwings-DLL", "OK"),
        ("Retningslinjer", "OK"),
    ]


def test_sjekk_names_each_blocking_policy(tmp_path: Path) -> None:
    folder, config = _installed(tmp_path)
    registry = FakeRegistry(
        {
            ("HKCU", OFFICE, "VBAWarnings"): 4,
            ("HKLM", OFFICE, "Trusted Locations\\AllLocationsDisabled"): 1,
            ("HKCU", OFFICE, "RequireAddinSig"): 1,
            ("HKLM", ASR, "d4f940ab-401b-4efc-aadc-ad5f3c50688a"): "1",
            ("HKLM", ASR, "92E97FA1-2EDF-4476-BDD6-9DD0B4DDDC7B"): "1",
        }
    )
    findings = addin.diagnose(
        startup_folder=folder,
        config_file=config,
        xlwings_version=addin.XLWINGS_VERSION,
        registry=registry,
    )
    failed = {f.sjekk: f.forklaring for f in findings if f.status == "FEIL"}
    assert set(failed) == {"Klarerte plasseringer", "Signerte tillegg", "Defender ASR"}
    asr = [f.forklaring for f in findings if f.sjekk == "Defender ASR"]
    assert len(asr) == 2
    assert any("creating child processes" in a for a in asr)
    assert any("Win32 API calls" in a for a in asr)
    assert "VBAWarnings = 4" in failed["Klarerte plasseringer"]
    # an audit-only rule ("2") and macros allowed with trusted locations on stop nothing
    calm = FakeRegistry(
        {
            ("HKCU", OFFICE, "VBAWarnings"): 4,
            ("HKLM", ASR, "d4f940ab-401b-4efc-aadc-ad5f3c50688a"): "2",
        }
    )
    assert not [
        f
        for f in addin.diagnose(
            startup_folder=folder,
            config_file=config,
            xlwings_version=addin.XLWINGS_VERSION,
            registry=calm,
        )
        if f.status == "FEIL"
    ]


def test_sjekk_finds_a_half_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kommuneokonomi import cli

    args = ["--mappe", str(tmp_path / "XLSTART"), "--konfig", str(tmp_path / "k.conf")]
    assert cli.main(["addin", "sjekk", *args]) == 1
    out = capsys.readouterr().out
    assert "Tillegget" in out and "FEIL" in out and "ikke installert" in out
    assert "ingen Python er valgt" in out and "Excel ville startet «python» fra PATH" in out
    assert "ikke lest: bare på Windows" in out  # no registry here
