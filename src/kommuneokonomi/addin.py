"""Install the Excel add-in for the current user: ``kommuneokonomi addin install``.

``install`` does what a user would otherwise do by hand, in plain file operations (no Excel, no
xlwings import), so it is testable anywhere with ``--mappe``/``--konfig`` pointing at temporary
folders:

1. checks that the installed xlwings is the version whose VBA the add-in carries (the VBA
   declares ``xlwings64-<version>.dll``; another version cannot serve the functions);
2. copies ``kommuneokonomi.xlam`` into Excel's startup folder
   ``%APPDATA%\\Microsoft\\Excel\\XLSTART``, so Excel loads it at every start;
3. writes the Python to use into ``%USERPROFILE%\\.kommuneokonomi\\kommuneokonomi.conf``
   (xlwings' config file format, the file the add-in's xlwings module reads): the interpreter
   running this command, or the active conda environment, exactly as ``xlwings addin install``
   does for its own add-in. Other settings in the file are kept.

``remove`` deletes the add-in from the startup folder; ``status`` shows what is installed.
The arguments are parsed by :mod:`kommuneokonomi.cli` with every other command;
``kommuneokonomi-addin ARGS`` is an alias of ``kommuneokonomi addin ARGS``.
User-visible text is Norwegian; see ``addin/README.md`` for the design.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Protocol

from .errors import KommuneokonomiError

__all__ = [
    "ADDIN_FILE",
    "XLWINGS_VERSION",
    "AddinError",
    "Finding",
    "Installation",
    "Registry",
    "WindowsRegistry",
    "bundled_addin",
    "default_config_file",
    "default_startup_folder",
    "diagnose",
    "dll_candidates",
    "find_dll",
    "install",
    "install_warnings",
    "interpreter_settings",
    "main",
    "read_config",
    "remove",
    "run",
    "write_config",
]

ADDIN_FILE = "kommuneokonomi.xlam"
# The xlwings release whose VBA module is inside the add-in (addin/src/xlwings.bas);
# tests/addin checks that the two agree.
XLWINGS_VERSION = "0.37.8"
# Where the add-in lives: package data in an installed wheel, else the repository checkout's
# build output (editable installs).
_PACKAGE_PARTS = ("data", "addin", ADDIN_FILE)
_CHECKOUT_FILE = Path(__file__).resolve().parents[2] / "addin" / "dist" / ADDIN_FILE
# VBA reads the config file with ``Input #``, in the Windows ANSI code page.
_CONFIG_ENCODING = "cp1252"
_OWN_KEYS = ("INTERPRETER_WIN", "CONDA PATH", "CONDA ENV")


class AddinError(KommuneokonomiError):
    """Installation cannot go on; the message is Norwegian and says what to do."""


@dataclass(frozen=True)
class Installation:
    """What :func:`install` wrote, and what the user should know (Norwegian warnings)."""

    addin: Path
    config: Path
    settings: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...] = ()
    dll: Path | None = None


#: The DLL the add-in's VBA loads (addin/src/xlwings.bas: XLPyDLLName), 64- and 32-bit Office.
DLL_64 = f"xlwings64-{XLWINGS_VERSION}.dll"
DLL_32 = f"xlwings32-{XLWINGS_VERSION}.dll"


def _parent(path: str) -> str:
    """VBA's ``ParentFolder``: everything before the last path separator."""
    cut = max(path.rfind("\\"), path.rfind("/"))
    return path[:cut] if cut > 0 else ""


def _join(folder: str, name: str) -> str:
    sep = "/" if "/" in folder and "\\" not in folder else "\\"
    return f"{folder}{sep}{name}" if folder else name


def dll_candidates(settings: Sequence[tuple[str, str]], name: str = DLL_64) -> list[str]:
    """Where the add-in's VBA looks for the xlwings DLL, in its order (xlwings.bas,
    ``XLPyLoadDLL``): beside the interpreter (a standard installation), then one folder up (a
    virtual environment, where python.exe is in ``Scripts``). With conda the interpreter is
    ``pythonw`` in the environment's folder, as xlwings resolves it."""
    conf = {k.upper(): v for k, v in settings}
    python = conf.get("INTERPRETER_WIN") or "pythonw"
    conda_path, conda_env = conf.get("CONDA PATH", ""), conf.get("CONDA ENV", "")
    if python in ("python", "pythonw") and conda_path and conda_env:
        if conda_env == "base":
            python = _join(conda_path, python)
        elif "\\" in conda_env:
            python = _join(conda_env, python)
        else:
            python = _join(_join(_join(conda_path, "envs"), conda_env), python)
    if python in ("python", "pythonw"):
        return []  # from PATH: xlwings loads the DLL it finds; nothing to check here
    return [_join(_parent(python), name), _join(_parent(_parent(python)), name)]


def find_dll(
    settings: Sequence[tuple[str, str]], *, exists: Callable[[str], bool] | None = None
) -> str | None:
    """The DLL the VBA will load for ``settings``, or None if it is in neither place."""
    found = exists or (lambda p: Path(p).is_file())
    return next((p for p in dll_candidates(settings) if found(p)), None)


def install_warnings(*, startup_folder: Path, settings: Sequence[tuple[str, str]]) -> list[str]:
    """What may stop the add-in on this machine though the install succeeds (Norwegian)."""
    out: list[str] = []
    folder = str(startup_folder)
    if folder.startswith(("\\\\", "//")):
        out.append(
            f"Oppstartsmappen {folder} ligger på et nettverksområde (flyttbar profil). Office "
            "stoler som standard ikke på nettverksplasseringer, så makroene i tillegget kan bli "
            "blokkert. Be IT om å legge mappen til som klarert plassering, eller bruk --mappe "
            "med en lokal mappe som er klarert."
        )
    python = {k.upper(): v for k, v in settings}.get("INTERPRETER_WIN", "")
    if "\\windowsapps\\" in python.casefold().replace("/", "\\"):
        out.append(
            f"Python kommer fra Microsoft Store ({python}). Excel kan ikke alltid starte den "
            "(xlwings #1538). Installer Python fra python.org eller et virtuelt miljø og "
            "installer tillegget på nytt med den."
        )
    return out


def bundled_addin() -> bytes:
    """The add-in's bytes, from the installed package or the repository checkout."""
    ref = resources.files("kommuneokonomi").joinpath(*_PACKAGE_PARTS)
    if ref.is_file():
        return ref.read_bytes()
    if _CHECKOUT_FILE.is_file():
        return _CHECKOUT_FILE.read_bytes()
    raise AddinError(
        f"fant ikke {ADDIN_FILE} i pakken. Installer pakken på nytt med "
        "'pip install \"kommuneokonomi[excel]\"', eller bygg tillegget med "
        "'python scripts/build_addin.py' i kildekoden."
    )


def default_startup_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Excel's per-user startup folder (``Application.StartupPath``) on Windows."""
    env = os.environ if environ is None else environ
    appdata = env.get("APPDATA")
    if not appdata:
        raise AddinError(
            "tillegget installeres i Excels oppstartsmappe på Windows (%APPDATA%\\Microsoft\\"
            "Excel\\XLSTART), men APPDATA er ikke satt. Oppgi mappen med --mappe."
        )
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def default_config_file(environ: Mapping[str, str] | None = None) -> Path:
    """``%USERPROFILE%\\.kommuneokonomi\\kommuneokonomi.conf``, where the add-in reads settings."""
    env = os.environ if environ is None else environ
    home = Path(env["USERPROFILE"]) if env.get("USERPROFILE") else Path.home()
    return home / ".kommuneokonomi" / "kommuneokonomi.conf"


def interpreter_settings(
    *, executable: str, environ: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """The settings that tell the add-in which Python to start.

    As ``xlwings addin install`` does: inside an activated conda environment the conda
    installation and environment (xlwings activates it before starting Python), otherwise the
    full path of the interpreter running this command.
    """
    conda_env = environ.get("CONDA_DEFAULT_ENV")
    conda_exe = environ.get("CONDA_EXE")
    if conda_env and conda_exe:
        # xlwings wants the installation folder: CONDA_EXE without \Scripts\conda.exe.
        parts = conda_exe.replace("/", "\\").split("\\")
        return (("CONDA PATH", "\\".join(parts[:-2])), ("CONDA ENV", conda_env))
    if not executable:
        raise AddinError("fant ikke Python-tolken som kjører denne kommandoen (sys.executable).")
    return (("INTERPRETER_WIN", executable),)


def read_config(path: Path) -> list[tuple[str, str]]:
    """Settings in xlwings' config file format (``"KEY","VALUE"`` per line); [] if no file."""
    if not path.exists():
        return []
    settings: list[tuple[str, str]] = []
    for line in path.read_bytes().decode(_CONFIG_ENCODING, errors="replace").splitlines():
        text = line.strip()
        if not text:
            continue
        key, sep, value = text.partition(",")
        if not sep:
            continue
        settings.append((key.strip().strip('"'), value.strip().strip('"')))
    return settings


def write_config(path: Path, settings: Sequence[tuple[str, str]]) -> None:
    """Write ``settings`` into ``path``, keeping any other keys already there.

    Keys are compared without regard to case (as the add-in does); the add-in's own keys
    (interpreter and conda) are always replaced, so switching between a plain interpreter and
    conda leaves no stale setting behind.
    """
    replaced = {key.upper() for key, _ in settings} | set(_OWN_KEYS)
    kept = [(k, v) for k, v in read_config(path) if k.upper() not in replaced]
    lines = []
    for key, value in [*kept, *settings]:
        if '"' in key or '"' in value:
            raise AddinError(f"innstillingen {key!r} kan ikke inneholde anførselstegn: {value!r}")
        lines.append(f'"{key}","{value}"')
    text = "\r\n".join(lines) + "\r\n"
    try:
        data = text.encode(_CONFIG_ENCODING)
    except UnicodeEncodeError as error:
        raise AddinError(
            f"stien {error.object[error.start : error.end]!r} i innstillingene kan ikke lagres "
            "slik Excel leser filen (tegnsett Windows-1252). Installer Python i en mappe med "
            "et enklere navn, eller oppgi tolken med --python."
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def installed_xlwings_version() -> str | None:
    """The installed xlwings version, read from package metadata (xlwings is not imported)."""
    try:
        return metadata.version("xlwings")
    except metadata.PackageNotFoundError:
        return None


def _check_xlwings(version: str | None) -> None:
    if version is None:
        raise AddinError('xlwings er ikke installert. Kjør: pip install "kommuneokonomi[excel]"')
    if version != XLWINGS_VERSION:
        raise AddinError(
            f"tillegget er laget for xlwings {XLWINGS_VERSION}, men xlwings {version} er "
            f'installert. Kjør: pip install "xlwings=={XLWINGS_VERSION}"'
        )


def install(
    *,
    startup_folder: Path,
    config_file: Path,
    settings: Sequence[tuple[str, str]],
    addin: bytes,
    xlwings_version: str | None,
    require_dll: bool = False,
    exists: Callable[[str], bool] | None = None,
) -> Installation:
    """Copy the add-in into ``startup_folder`` and write ``settings`` into ``config_file``,
    all or nothing: everything is checked first, the settings are written before the add-in
    (Excel would start a half-installed add-in with ``python`` from PATH), and on any failure
    both files are put back as they were.

    Args:
        require_dll: refuse when the xlwings DLL is not where the add-in's VBA will look for
            it (:func:`dll_candidates`); on Windows the command line always asks.
        exists: a file test for the DLL search (tests use fake folder trees).

    Raises:
        AddinError: xlwings is missing or another version, the DLL is not where the VBA looks,
            or a file cannot be written (most often because Excel has the add-in open).
    """
    _check_xlwings(xlwings_version)
    dll = find_dll(settings, exists=exists)
    if require_dll and dll is None and dll_candidates(settings):
        places = "\n".join(f"  {p}" for p in dll_candidates(settings))
        raise AddinError(
            f"fant ikke {DLL_64}, som tillegget laster, der Excel leter etter den:\n{places}\n"
            "Det skjer når xlwings er installert med «pip install --user» (DLL-en havner i "
            "brukerens egen mappe), med Python fra Microsoft Store, eller når et "
            "antivirusprogram har satt filen i karantene. Løsning: lag et virtuelt miljø "
            "(python -m venv C:\\kommuneokonomi\\venv), installer kommuneokonomi[excel] der, "
            "og kjør install med den Python-en. Ingenting er endret."
        )
    warnings = install_warnings(startup_folder=startup_folder, settings=settings)
    target = startup_folder / ADDIN_FILE
    staging = config_file.parent / f"{ADDIN_FILE}.ny"
    before_config = config_file.read_bytes() if config_file.is_file() else None
    before_addin = target.read_bytes() if target.is_file() else None
    made = sorted(
        {*_missing(startup_folder), *_missing(config_file.parent)},
        key=lambda d: len(d.parts),
    )  # the folders this install creates, outermost first
    try:
        write_config(config_file, settings)
        startup_folder.mkdir(parents=True, exist_ok=True)
        # Written beside the config file, then moved: Excel opens every file in XLSTART, so a
        # half-written or temporary file must never appear there.
        staging.write_bytes(addin)
        os.replace(staging, target)
    except (OSError, AddinError) as error:
        _restore(config_file, before_config)
        _restore(target, before_addin)
        staging.unlink(missing_ok=True)
        for folder in reversed(made):
            _remove_empty(folder)
        if isinstance(error, AddinError):
            raise
        raise AddinError(
            f"kan ikke skrive {getattr(error, 'filename', None) or target}: "
            f"{error.strerror or error}. Lukk Excel og prøv igjen. Ingenting er endret."
        ) from None
    return Installation(
        addin=target,
        config=config_file,
        settings=tuple(settings),
        warnings=tuple(warnings),
        dll=Path(dll) if dll else None,
    )


def _restore(path: Path, data: bytes | None) -> None:
    """Put ``path`` back as it was: ``data``, or absent."""
    with contextlib.suppress(OSError):  # the original error is the one reported
        if data is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(data)


def _missing(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet."""
    out = []
    while not folder.exists() and folder != folder.parent:
        out.append(folder)
        folder = folder.parent
    return out


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if empty: never a folder with the user's files


def remove(*, startup_folder: Path) -> Path | None:
    """Delete the add-in from ``startup_folder``; return its path, or None if it was not there."""
    target = startup_folder / ADDIN_FILE
    if not target.exists():
        return None
    try:
        target.unlink()
    except PermissionError as error:
        raise AddinError(
            f"kan ikke slette {target}: {error.strerror}. Lukk Excel og prøv igjen."
        ) from None
    return target


# --- kommuneokonomi addin sjekk ------------------------------------------------------------

#: Where Office and Defender policies live (group policy; the user's hive first).
_OFFICE_SECURITY = "Software\\Policies\\Microsoft\\Office\\16.0\\Excel\\Security"
_ASR_RULES = (
    "SOFTWARE\\Policies\\Microsoft\\Windows Defender\\Windows Defender Exploit Guard\\ASR\\Rules"
)
#: Defender attack surface reduction rules that stop the add-in: RunPython starts python.exe
#: (a child process of Excel), and xlwings' VBA declares its DLL (Win32 imports).
_ASR_BLOCKERS = {
    "d4f940ab-401b-4efc-aadc-ad5f3c50688a": (
        "«Block all Office applications from creating child processes»: knappene og "
        "funksjonene starter python.exe fra Excel"
    ),
    "92e97fa1-2edf-4476-bdd6-9dd0b4dddc7b": (
        "«Block Win32 API calls from Office macros»: tillegget laster xlwings-DLL-en med Declare"
    ),
}


class Registry(Protocol):
    """Reads one registry value (None if absent); ``root`` is ``HKCU`` or ``HKLM``."""

    def value(self, root: str, key: str, name: str) -> object | None: ...


class WindowsRegistry:
    """The real registry (Windows only)."""

    def value(self, root: str, key: str, name: str) -> object | None:
        import importlib

        winreg: Any = importlib.import_module("winreg")  # Windows only
        hive = {"HKCU": winreg.HKEY_CURRENT_USER, "HKLM": winreg.HKEY_LOCAL_MACHINE}[root]
        try:
            with winreg.OpenKey(hive, key) as handle:
                found: object = winreg.QueryValueEx(handle, name)[0]
                return found
        except OSError:
            return None


@dataclass(frozen=True)
class Finding:
    """One line of ``addin sjekk``: what was checked, OK/FEIL/ADVARSEL, and why (Norwegian)."""

    sjekk: str
    status: str
    forklaring: str


def diagnose(
    *,
    startup_folder: Path,
    config_file: Path,
    xlwings_version: str | None,
    registry: Registry | None,
    exists: Callable[[str], bool] | None = None,
    addin: bytes | None = None,
) -> list[Finding]:
    """Everything that decides whether the installed add-in can run: the file in XLSTART,
    the settings, xlwings, the DLL, and Office's and Defender's policies (``registry`` None:
    not on Windows, policies not read)."""
    out: list[Finding] = []
    target = startup_folder / ADDIN_FILE
    if not target.is_file():
        out.append(Finding("Tillegget", "FEIL", f"ikke installert i {startup_folder}"))
    elif addin is not None and target.read_bytes() != addin:
        out.append(
            Finding(
                "Tillegget",
                "ADVARSEL",
                f"{target} er en annen versjon enn den som følger med pakken; kjør install",
            )
        )
    else:
        out.append(Finding("Tillegget", "OK", str(target)))
    settings = read_config(config_file)
    own = [(k, v) for k, v in settings if k.upper() in _OWN_KEYS]
    if not own:
        out.append(
            Finding(
                "Innstillinger",
                "FEIL",
                f"ingen Python er valgt i {config_file}; Excel ville startet «python» fra PATH. "
                "Kjør install",
            )
        )
    else:
        out.append(Finding("Innstillinger", "OK", ", ".join(f"{k} = {v}" for k, v in own)))
    if xlwings_version == XLWINGS_VERSION:
        out.append(Finding("xlwings", "OK", xlwings_version))
    else:
        out.append(
            Finding(
                "xlwings",
                "FEIL",
                f"{xlwings_version or 'ikke installert'}; tillegget krever {XLWINGS_VERSION}",
            )
        )
    if own:
        places = dll_candidates(own)
        dll = find_dll(own, exists=exists)
        if dll is not None:
            out.append(Finding("xlwings-DLL", "OK", dll))
        elif places:
            out.append(
                Finding(
                    "xlwings-DLL",
                    "FEIL",
                    f"{DLL_64} finnes verken i {places[0]} eller {places[1]} (--user-installasjon, "
                    "Microsoft Store-Python eller karantene hos antivirus)",
                )
            )
    # the same warnings install gives (a network XLSTART, a Store Python)
    out += [
        Finding("Installasjon", "ADVARSEL", text)
        for text in install_warnings(startup_folder=startup_folder, settings=own)
    ]
    if registry is None:
        out.append(Finding("Retningslinjer", "ADVARSEL", "ikke lest: bare på Windows"))
        return out
    out += _policies(registry)
    return out


def _policy(registry: Registry, name: str) -> object | None:
    for root in ("HKCU", "HKLM"):
        value = registry.value(root, _OFFICE_SECURITY, name)
        if value is not None:
            return value
    return None


def _policies(registry: Registry) -> list[Finding]:
    out: list[Finding] = []
    trusted_off = _policy(registry, "Trusted Locations\\AllLocationsDisabled")
    warnings = _policy(registry, "VBAWarnings")
    if str(trusted_off) == "1" and str(warnings) in {"2", "3", "4"}:
        out.append(
            Finding(
                "Klarerte plasseringer",
                "FEIL",
                "retningslinjen slår av alle klarerte plasseringer, og makroer er ikke tillatt "
                f"(VBAWarnings = {warnings}): tillegget i XLSTART får ikke kjøre. Be IT om å "
                "klarere oppstartsmappen eller signere tillegget",
            )
        )
    if str(_policy(registry, "RequireAddinSig")) == "1":
        out.append(
            Finding(
                "Signerte tillegg",
                "FEIL",
                "retningslinjen krever signerte tillegg (RequireAddinSig), og tillegget er "
                "ikke signert",
            )
        )
    for guid, why in _ASR_BLOCKERS.items():
        for name in (guid, guid.upper()):
            if str(registry.value("HKLM", _ASR_RULES, name)) == "1":
                out.append(Finding("Defender ASR", "FEIL", f"regelen {why} er satt til blokker"))
                break
    if not [f for f in out if f.status == "FEIL"]:
        out.append(Finding("Retningslinjer", "OK", "ingen kjent retningslinje stopper tillegget"))
    return out


def _on_windows() -> bool:
    """Whether the DLL can be checked (only Windows has it; elsewhere the command only
    prepares files, as the tests do)."""
    return os.name == "nt"


def run(args: argparse.Namespace) -> int:
    """``kommuneokonomi addin install | remove | status`` with arguments parsed by
    :func:`kommuneokonomi.cli.build_parser`; returns 0.

    Raises:
        AddinError: the add-in cannot be installed or removed (the command line prints
            ``Feil: ...`` and exits 2).
    """
    folder: Path = args.mappe or default_startup_folder()
    config: Path = args.konfig or default_config_file()
    if args.handling == "install":
        settings = (
            (("INTERPRETER_WIN", args.python),)
            if args.python
            else interpreter_settings(executable=sys.executable, environ=os.environ)
        )
        result = install(
            startup_folder=folder,
            config_file=config,
            settings=settings,
            addin=bundled_addin(),
            xlwings_version=installed_xlwings_version(),
            require_dll=_on_windows(),
        )
        print(f"Tillegget er installert: {result.addin}")
        print(f"Innstillinger lagret i {result.config}:")
        for key, value in result.settings:
            print(f"  {key} = {value}")
        if result.dll is not None:
            print(f"xlwings-DLL-en som Excel laster: {result.dll}")
        for warning in result.warnings:
            print(f"ADVARSEL: {warning}")
        print()
        print("Neste steg:")
        print("  1. Start Excel (lukk og åpne Excel hvis det allerede kjører).")
        print("     Fanen «Kommuneøkonomi» vises i båndet, og funksjonene KO_... virker")
        print("     (de følger med tillegget; «Importer funksjoner» trengs bare som reparasjon).")
    elif args.handling == "remove":
        removed = remove(startup_folder=folder)
        if removed is None:
            print(f"Tillegget var ikke installert i {folder}.")
        else:
            print(f"Tillegget er fjernet: {removed}. Start Excel på nytt.")
        print(f"Innstillingsfilen {config} er beholdt; slett den selv om du vil.")
    elif args.handling == "sjekk":
        findings = diagnose(
            startup_folder=folder,
            config_file=config,
            xlwings_version=installed_xlwings_version(),
            registry=WindowsRegistry() if _on_windows() else None,
            addin=bundled_addin(),
        )
        width = max(len(f.sjekk) for f in findings)
        for f in findings:
            print(f"{f.sjekk:<{width}}  {f.status:<8}  {f.forklaring}")
        return 1 if any(f.status == "FEIL" for f in findings) else 0
    else:
        target = folder / ADDIN_FILE
        if target.exists():
            print(f"Tillegget er installert: {target}")
        else:
            print(f"Tillegget er ikke installert i {folder}.")
        settings_now = read_config(config)
        if settings_now:
            print(f"Innstillinger i {config}:")
            for key, value in settings_now:
                print(f"  {key} = {value}")
        else:
            print(f"Ingen innstillingsfil: {config}")
        version = installed_xlwings_version()
        print(f"xlwings: {version or 'ikke installert'} (tillegget krever {XLWINGS_VERSION})")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``kommuneokonomi-addin ARGS`` (and ``python -m kommuneokonomi.addin ARGS``): an alias of
    ``kommuneokonomi addin ARGS``; returns the exit code."""
    from .cli import main as cli_main

    return cli_main(["addin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
