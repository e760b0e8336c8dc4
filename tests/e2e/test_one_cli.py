"""One command line: every command under ``kommuneokonomi``, Norwegian from the usage line to
argparse's own messages, one way to fail (``Feil: ...``, exit code 2), the old entry points as
aliases, and one progress display."""

from __future__ import annotations

import argparse
import ast
import gettext
import inspect
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from kommuneokonomi import addin, cli
from kommuneokonomi.cli import build_parser, main
from kommuneokonomi.progress import Progress
from kommuneokonomi.ssb import cli as ssb_cli
from kommuneokonomi.ssb.client import DEFAULT_API_URL, ENV_API_URL

BIN = Path(sys.executable).parent
EXAMPLE = Path(__file__).parents[2] / "workbooks" / "innsparing_trondheim_2007.xlsx"

# argparse's English, as a user would meet it
ENGLISH = (
    "usage:",
    "options:",
    "positional arguments",
    "optional arguments",
    "show this help",
    "show program's version",
    "error:",
    "the following arguments",
    "invalid choice",
    "choose from",
    "unrecognized arguments",
    "expected one argument",
    "ignored explicit argument",
    "subcommands",
)


def _english(text: str) -> list[str]:
    return [word for word in ENGLISH if word in text.lower()]


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path: (), ("recalc",), ..., ("addin", "install"), ..."""
    found = [path]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _run(*cmd: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=False, timeout=120
    )


def _script(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        pytest.skip(f"{name} er ikke installert i {BIN} (pip install -e .)")
    return path


# --- one parser, every command ---------------------------------------------------------------


def test_every_command_is_under_kommuneokonomi() -> None:
    paths = _commands(build_parser())
    assert {p[0] for p in paths if len(p) == 1} == {
        "recalc",
        "check",
        "demo",
        "new",
        "notat",
        "hent",
        "tabell",
        "addin",
    }
    assert {p[1] for p in paths if len(p) == 2 and p[0] == "addin"} == {
        "install",
        "remove",
        "status",
        "sjekk",
    }


@pytest.mark.parametrize("path", _commands(build_parser()), ids=lambda p: " ".join(p) or "-")
def test_every_help_is_norwegian(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _main(capsys, *path, "--help")
    assert code == 0 and err == ""
    assert out.startswith(" ".join(("bruk: kommuneokonomi", *path)) + " [-h]"), out
    assert "-h, --help" in out and "vis denne hjelpen og avslutt" in out
    assert "valgfrie argumenter:" in out
    assert not _english(out), out


def test_the_installed_command_speaks_norwegian() -> None:
    result = _run(_script("kommuneokonomi"), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("bruk: kommuneokonomi [-h] [--versjon] KOMMANDO ...")
    assert "kommandoer:" in result.stdout and "addin" in result.stdout
    assert not _english(result.stdout)
    usage = _run(_script("kommuneokonomi"), "recalc")
    assert usage.returncode == 2 and usage.stdout == ""
    assert usage.stderr == (
        "Feil: disse argumentene mangler: FIL\n"
        "bruk: kommuneokonomi recalc [-h] [-o UTFIL] FIL\n"
        "Hjelp: kommuneokonomi recalc --help\n"
    )


USAGE_ERRORS = [
    pytest.param([], "disse argumentene mangler: KOMMANDO", id="ingen kommando"),
    pytest.param(["recalc"], "disse argumentene mangler: FIL", id="recalc uten FIL"),
    pytest.param(["check"], "disse argumentene mangler: FIL", id="check uten FIL"),
    pytest.param(["finnes-ikke"], "ugyldig valg: 'finnes-ikke' (velg blant 'recalc'", id="ukjent"),
    pytest.param(
        ["recalc", "b.xlsx", "--ukjent"], "ukjente argumenter: --ukjent", id="ukjent valg"
    ),
    pytest.param(["recalc", "-o"], "argumentet -o/--utfil: venter én verdi", id="-o uten verdi"),
    pytest.param(["new", "regnskap", "n.xlsx"], "ugyldig valg: 'regnskap'", id="ukjent mal"),
    pytest.param(["hent"], "disse argumentene mangler: FIL", id="hent uten FIL"),
    pytest.param(["hent", "--offline=ja", "b.xlsx"], "tar ingen verdi, men fikk 'ja'", id="flagg"),
    pytest.param(["addin"], "disse argumentene mangler: HANDLING", id="addin uten handling"),
    pytest.param(["addin", "install", "--mappe"], "venter én verdi", id="--mappe uten verdi"),
    pytest.param(["--versjon", "x", "y"], None, id="versjon"),
]


@pytest.mark.parametrize(("args", "expected"), USAGE_ERRORS)
def test_a_usage_error_is_norwegian_and_exits_2(
    args: list[str], expected: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _main(capsys, *args)
    if expected is None:  # --versjon wins over the rest, as in argparse
        assert code == 0 and out.startswith("kommuneokonomi ")
        return
    assert code == 2 and out == ""
    assert err.startswith("Feil: ") and expected in err, err
    assert "\nbruk: kommuneokonomi" in err and "\nHjelp: kommuneokonomi" in err
    assert "Traceback" not in err
    assert not _english(err), err


# msgids argparse uses only for mistakes in the program that builds a parser (conflicting
# options, bad arguments to add_argument ...); a user of a working parser never sees them
DEVELOPER_ONLY = {
    ".__call__() not defined",
    "conflicting subparser: %s",
    "conflicting subparser alias: %s",
    "cannot merge actions - two groups are named %r",
    "'required' is an invalid argument for positionals",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "dest= is required for options like %r",
    "invalid conflict_resolution value: %r",
    "conflicting option string: %s",
    "conflicting option strings: %s",
    "mutually exclusive arguments must be optional",
    "cannot have multiple subparser arguments",
    "%r is not callable",
}


def _argparse_msgids() -> set[str]:
    """Every literal argparse passes to ``_()`` or ``ngettext()`` in the running Python."""
    tree = ast.parse(inspect.getsource(argparse))
    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext")
        ):
            found |= {
                a.value
                for a in node.args[:2]
                if isinstance(a, ast.Constant) and isinstance(a.value, str)
            }
    return found


def test_every_argparse_message_a_user_can_meet_is_translated() -> None:
    msgids = _argparse_msgids()
    assert "usage: " in msgids and "the following arguments are required: %s" in msgids
    translated = set(cli._ARGPARSE_NB) | {m for pair in cli._ARGPARSE_NB_PLURAL for m in pair}
    assert sorted(msgids - DEVELOPER_ONLY - translated) == []
    for english, norwegian in cli._ARGPARSE_NB.items():
        # the same placeholders, or % formatting breaks
        assert re.findall(r"%\(\w+\)\w|%\w", english) == re.findall(r"%\(\w+\)\w|%\w", norwegian), (
            english
        )


def test_the_translation_does_not_leak_into_other_parsers(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    capsys.readouterr()
    assert vars(argparse)["_"] is gettext.gettext
    other = argparse.ArgumentParser(prog="annet")
    assert other.format_help().startswith("usage: annet")


# --- hent and addin: the same code as the old entry points -----------------------------------


def _record(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []

    def run(args: argparse.Namespace) -> int:
        calls.append(vars(args))
        return 0

    monkeypatch.setattr(module, "run", run)
    return calls


def test_hent_reaches_the_same_code_as_the_old_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _record(monkeypatch, ssb_cli)
    args = ["bok.xlsx", "--offline", "--cache", "lager"]
    assert main(["hent", *args]) == 0
    assert ssb_cli.main(args) == 0
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0]["fil"] == "bok.xlsx" and calls[0]["offline"] is True


def test_addin_reaches_the_same_code_as_the_old_entry_point(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = _record(monkeypatch, addin)
    args = ["install", "--mappe", "X", "--python", "C:\\p\\python.exe"]
    assert main(["addin", *args]) == 0
    assert addin.main(args) == 0
    assert len(calls) == 2 and calls[0] == calls[1]
    assert calls[0]["handling"] == "install" and calls[0]["mappe"] == Path("X")


def test_addin_error_is_one_feil_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("APPDATA", raising=False)
    code, out, err = _main(capsys, "addin", "status", "--konfig", str(tmp_path / "k.conf"))
    assert code == 2 and out == ""
    assert err.startswith("Feil: tillegget installeres i Excels oppstartsmappe på Windows")
    assert err.count("\n") == 1 and "--mappe" in err


def test_the_old_commands_still_work_as_aliases(tmp_path: Path) -> None:
    options = ["--mappe", str(tmp_path / "XLSTART"), "--konfig", str(tmp_path / "k.conf")]
    one = _run(_script("kommuneokonomi"), "addin", "status", *options)
    alias = _run(_script("kommuneokonomi-addin"), "status", *options)
    module = _run(sys.executable, "-m", "kommuneokonomi.addin", "status", *options)
    assert one.returncode == alias.returncode == module.returncode == 0, alias.stderr
    assert "Tillegget er ikke installert" in one.stdout
    assert alias.stdout == one.stdout == module.stdout
    helped = _run(_script("kommuneokonomi-addin"), "--help")
    assert helped.returncode == 0
    assert helped.stdout.startswith("bruk: kommuneokonomi addin [-h] HANDLING ...")
    hent = _run(sys.executable, "-m", "kommuneokonomi.ssb.cli", "--help")
    assert hent.returncode == 0 and hent.stdout.startswith("bruk: kommuneokonomi hent [-h]")
    missing = _run(sys.executable, "-m", "kommuneokonomi.ssb.cli")
    assert missing.returncode == 2
    assert missing.stderr.startswith("Feil: disse argumentene mangler: FIL\n")


def test_hent_help_names_the_ssb_clients_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    """The help writes them out (importing the client would load httpx at start-up)."""
    _, out, _ = _main(capsys, "hent", "--help")
    text = " ".join(out.split())
    assert ENV_API_URL in text and DEFAULT_API_URL in text


def test_recalc_starts_without_the_ssb_client_or_the_installer() -> None:
    code = (
        "import json, sys\nimport kommuneokonomi.cli\n"
        "heavy = ('httpx', 'xlwings', 'kommuneokonomi.ssb', 'kommuneokonomi.addin')\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(heavy))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


# --- one progress display --------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_steps_are_plain_lines_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(stream) as progress:
        progress.step("leser tabellen tblData ...")
        progress.step("skriver arket 'Innsparing' ...")
    assert stream.getvalue() == "leser tabellen tblData ...\nskriver arket 'Innsparing' ...\n"


def test_steps_are_redrawn_on_a_terminal_and_erased_even_on_failure() -> None:
    stream = Tty()
    with pytest.raises(RuntimeError), Progress(stream) as progress:
        progress.step("leser tabellen tblData ...")
        progress.step("beregner ...")
        raise RuntimeError
    first, second = "leser tabellen tblData ...", "beregner ..."
    padding = " " * (len(first) - len(second))  # the rest of the longer line is blanked
    erase = "\r" + " " * len(second) + "\r"
    assert stream.getvalue() == f"\r{first}\r{second}{padding}{erase}"


def test_a_step_wider_than_the_terminal_is_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "21")
    stream = Tty()
    Progress(stream).step("skriver arket 'Innsparing' med 1 000 rader ...")
    assert stream.getvalue() == "\rskriver arket 'In..."


def test_a_progress_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    Progress().step("beregner ...")
    captured = capsys.readouterr()
    assert captured.err == "beregner ...\n" and captured.out == ""


def test_recalc_shows_its_steps_on_a_terminal_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """recalc names its steps on a terminal and erases them; a log or pipe gets only the
    result, so a failing run's stderr is exactly its ``Feil: ...`` line."""
    book = tmp_path / "bok.xlsx"
    shutil.copy(EXAMPLE, book)
    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(["recalc", str(book), "-o", str(tmp_path / "ut.xlsx")]) == 0
    shown = tty.getvalue()
    assert "\rleser og beregner bok.xlsx ..." in shown and "skriver ut.xlsx ..." in shown
    assert shown.endswith("\r")  # erased: the summary on stdout starts on a clean line
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["recalc", str(book), "-o", str(tmp_path / "ut2.xlsx")]) == 0
    assert capsys.readouterr().err == ""


def test_terminal_only_steps_are_silent_in_a_log() -> None:
    stream = io.StringIO()
    with Progress(stream, terminal_only=True) as progress:
        progress.step("leser og beregner bok.xlsx ...")
        progress.counter("Henter fra SSB")(1, 3, "tabell 12134")
    assert stream.getvalue() == ""
