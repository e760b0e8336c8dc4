"""Benchmarks for national scale (issue 7): ``make bench`` runs this.

For each scale (1/10 and full) it generates a national savings workbook (benchmarks/generate.py)
and measures, each the best of a few runs where cheap:

* engine: the savings cube for every municipality against its group, all indicators and years;
* read: reading tblData alone with the fastest reader (python-calamine);
* end-to-end: ``kommuneokonomi recalc`` of the national workbook in a fresh process (read,
  validate, compute, write), with its peak memory (max RSS);
* the worksheet function ``KO_INNSPARINGSTABELL`` on the whole national tblData, given as
  Excel hands a range to Python (rows of floats and texts), for the own municipality against
  its group: the Python time from the call to the spilled table;
* and, at 1/10 scale, LibreOffice recalculating native formulas (AVERAGEIFS for the mean,
  SMALL(IF()) for the 3rd best) for ONE municipality, forced to recalculate everything.

It prints a table and the ratios against the goals. Record a run in benchmarks/RESULTS.md.
Usage: ``python benchmarks/bench.py [--scales 0.1,1] [--skip-libreoffice]``
"""

from __future__ import annotations

import argparse
import gc
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.generate import National, generate, write_workbook  # noqa: E402
from kommuneokonomi.engine.cube import cube_sector_summary, savings_cube  # noqa: E402
from kommuneokonomi.engine.savings import indicators_from_frame  # noqa: E402
from kommuneokonomi.workbook.fastread import CalamineBook  # noqa: E402
from kommuneokonomi.workbook.layout import DATA  # noqa: E402

GOALS = {
    "engine_s": 1.0,  # engine cube on 712 000 rows: under 1 s
    "e2e_over_read": 1.5,  # end-to-end at most 1.5x a process reading tblData alone (issue 11)
    "peak_mb": 1024.0,  # peak memory under 1 GB in both modes (issue 11)
    "lo_over_cube": 50.0,  # all municipalities >= 50x faster than LibreOffice for one
    "udf_s": 1.0,  # KO_INNSPARINGSTABELL on the national data: under 1 s of Python time
}


def best_of(runs: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def engine_time(national: National) -> float:
    specs = indicators_from_frame(national.indikatorer)
    data = national.data.assign(verdi=pd.to_numeric(national.data["verdi"], errors="coerce"))
    groups = national.kommuner.set_index("kommune")["gruppe"]
    return best_of(3, lambda: cube_sector_summary(savings_cube(data, specs, groups)))


def read_time(path: Path) -> float:
    """Reading tblData alone in this process, warm (best of 3), with the cycle collector
    paused as the CLI pauses it (see kommuneokonomi.cli)."""
    gc.disable()
    try:
        return best_of(3, lambda: CalamineBook(path).read_table(DATA))
    finally:
        gc.enable()


#: A program that only reads tblData, as the CLI would (same imports, same reader, the cycle
#: collector paused): the fair counterpart of ``kommuneokonomi recalc`` in a fresh process.
_READ_ONLY = (
    "import gc, sys\n"
    "import kommuneokonomi.cli\n"
    "from pathlib import Path\n"
    "from kommuneokonomi.workbook.fastread import CalamineBook\n"
    "from kommuneokonomi.workbook.layout import DATA\n"
    "gc.disable()\n"
    "rows = CalamineBook(Path(sys.argv[1])).read_table(DATA).rows\n"
    "print(len(rows))\n"
)


def read_process_time(path: Path) -> float:
    """Seconds for a fresh process that only reads tblData (best of 3)."""

    def run() -> None:
        done = subprocess.run(
            [sys.executable, "-c", _READ_ONLY, str(path)], capture_output=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr)

    return best_of(3, run)


def udf_time(national: National) -> float:
    """Seconds for KO_INNSPARINGSTABELL over the national tblData (warm, best of 3)."""
    from kommuneokonomi import udfs
    from kommuneokonomi.workbook import layout as L

    def excel(value: object) -> object:  # Excel sends every number as a float
        return float(value) if isinstance(value, int) and not isinstance(value, bool) else value

    columns = ["kommune", "aar", "indikator", "verdi"]
    data = [L.DATA.headers] + [
        [excel(v) for v in row] for row in national.data[columns].itertuples(index=False)
    ]
    indikatorer = [L.INDIKATORER.headers] + [
        [excel(v) for v in row]
        for row in national.indikatorer.assign(
            referanse_1=None, referanse_2=None, behov=None, kvalitet=None
        )[[c.name for c in L.INDIKATORER.columns]].itertuples(index=False)
    ]
    kommuner = [
        L.KOMMUNER.headers,
        *national.kommuner[["kommune", "kommunenummer", "gruppe"]].values.tolist(),
    ]
    group = national.kommuner.set_index("kommune").at[national.own, "gruppe"]
    settings = [
        L.INNSTILLINGER.headers,
        ["Egen kommune", national.own],
        ["År", float(national.year)],
        ["Sammenligningsgruppe", group],
        ["Referanse 1", "snitt"],
        ["Referanse 2", "3. beste"],
    ]
    result = udfs.KO_INNSPARINGSTABELL(data, indikatorer, settings, kommuner)
    if isinstance(result, str) or len(result) != len(indikatorer):
        raise RuntimeError(f"KO_INNSPARINGSTABELL ga ikke hele tabellen: {str(result)[:300]}")
    return best_of(3, lambda: udfs.KO_INNSPARINGSTABELL(data, indikatorer, settings, kommuner))


#: Runs the CLI and reports its own peak memory. Not getrusage: the children's maximum would
#: include every earlier child (LibreOffice among them), and a child's own ru_maxrss keeps the
#: size of the parent it was forked from (Linux carries it over exec). VmHWM in
#: /proc/self/status belongs to the new program alone.
_CHILD = (
    "import resource, sys\n"
    "from kommuneokonomi.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
    "try:\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            kb = int(line.split()[1])\n"
    "except OSError:\n"
    "    pass\n"
    "print('MAXRSS_KB', kb, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def end_to_end(path: Path, out: Path) -> tuple[float, float]:
    """Seconds and peak MB of ``kommuneokonomi recalc`` in a fresh process."""
    cmd = [sys.executable, "-c", _CHILD, "recalc", str(path), "-o", str(out)]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(done.stderr)
    peak_kb = next(
        int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("MAXRSS_KB")
    )
    return seconds, peak_kb / 1024


def libreoffice_one_municipality(
    national: National, folder: Path, *, timeout: float
) -> float | None:
    """Seconds LibreOffice needs to recalculate one municipality's references with native
    formulas (minus the time to load and save the same workbook without them)."""
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from support.libreoffice import recalculated_values, soffice_path
    except ImportError:
        return None
    if soffice_path() is None:
        return None
    import xlsxwriter

    data = national.data.merge(national.kommuner[["kommune", "gruppe"]], on="kommune")
    own = national.own
    group = national.kommuner.set_index("kommune").at[own, "gruppe"]
    n = len(data)
    plain, formulas = folder / "lo_plain.xlsx", folder / "lo_formler.xlsx"
    for path, with_formulas in ((plain, False), (formulas, True)):
        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Data")
        ws.write_row(0, 0, ["Kommune", "År", "Indikator", "Verdi", "Gruppe"])
        for i, row in enumerate(
            data[["kommune", "aar", "indikator", "verdi", "gruppe"]].itertuples(index=False),
            start=1,
        ):
            ws.write_row(i, 0, list(row))
        if with_formulas:
            calc = wb.add_worksheet("Beregning")
            calc.write_row(0, 0, ["Indikator", "År", "Egen", "Snitt", "3. beste"])
            rng = {c: f"Data!${c}$2:${c}${n + 1}" for c in "ABCDE"}
            r = 1
            for ind in national.indikatorer["indikator"]:
                for year in sorted(set(national.data["aar"])):
                    calc.write(r, 0, ind)
                    calc.write(r, 1, int(year))
                    cond = f"{rng['C']},$A{r + 1},{rng['B']},$B{r + 1}"
                    calc.write_formula(r, 2, f'=SUMIFS({rng["D"]},{rng["A"]},"{own}",{cond})')
                    calc.write_formula(
                        r,
                        3,
                        f'=AVERAGEIFS({rng["D"]},{cond},{rng["E"]},"{group}",{rng["A"]},"<>{own}")',
                    )
                    calc.write_array_formula(
                        r,
                        4,
                        r,
                        4,
                        f"{{=SMALL(IF(({rng['C']}=$A{r + 1})*({rng['B']}=$B{r + 1})*"
                        f'({rng["E"]}="{group}")*({rng["A"]}<>"{own}")*ISNUMBER({rng["D"]}),'
                        f"{rng['D']}),3)}}",
                    )
                    r += 1
        wb.close()
    base = best_of(1, lambda: recalculated_values(plain, timeout=timeout))
    full = best_of(1, lambda: recalculated_values(formulas, timeout=timeout))
    return max(full - base, 0.0)


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    return f"{platform.system()} {platform.release()}, {os.cpu_count()} kjerner, {cpu}, Python {platform.python_version()}"


#: The same recalculation through the path the examples took before issue 11 (the whole
#: workbook loaded with openpyxl, then the part writer), for a side-by-side comparison.
_OLD_PATH = (
    "import sys\n"
    "import kommuneokonomi.cli as cli\n"
    "from kommuneokonomi.workbook.files import FileBook\n"
    "cli.CalamineBook = FileBook  # the reader the examples went through before\n"
    "sys.exit(cli.main(['recalc', sys.argv[1], '-o', sys.argv[2]]))\n"
)


def examples(folder: Path) -> list[tuple[str, float, float]]:
    """The bundled examples: ``recalc`` end to end, and the old openpyxl-reader path (best of 5
    each, in fresh processes)."""
    from kommuneokonomi.workbook.build import build_all

    built = folder / "eksempler"
    build_all(built)
    out: list[tuple[str, float, float]] = []
    for name in ("innsparing_trondheim_2007.xlsx", "budsjett_trondheim_2019.xlsx"):
        path, target = built / name, folder / f"ut_{name}"

        def new(path: Path = path, target: Path = target) -> None:
            end_to_end(path, target)

        def old(path: Path = path, target: Path = target) -> None:
            done = subprocess.run(
                [sys.executable, "-c", _OLD_PATH, str(path), str(target)],
                capture_output=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(done.stderr)

        out.append((name, best_of(5, new), best_of(5, old)))
    return out


#: The workbooks measured end to end at each scale: (label, writer, own, one group).
CASES = (
    ("én kommune mot 356, XlsxWriter", "xlsxwriter", True),
    ("én kommune mot 356, openpyxl", "openpyxl", True),
    ("Alle mot egen gruppe, XlsxWriter", "xlsxwriter", False),
    ("Alle mot egen gruppe, openpyxl", "openpyxl", False),
)


def main() -> None:
    parser = argparse.ArgumentParser(description="Nasjonal skala: ytelsesmålinger")
    parser.add_argument("--scales", default="0.1,1")
    parser.add_argument("--skip-libreoffice", action="store_true")
    parser.add_argument("--lo-timeout", type=float, default=900)
    args = parser.parse_args()
    print(f"Maskin: {machine()}\n")
    rows = []
    lo_seconds: float | None = None
    cube_at_tenth: float | None = None
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        example_rows = examples(folder)
        for scale in (float(s) for s in args.scales.split(",")):
            national = generate(scale=scale)
            engine = engine_time(national)
            udf = udf_time(national)
            for label, writer, own in CASES:
                path = folder / f"nasjonal_{scale}_{writer}_{own}.xlsx"
                start = time.perf_counter()
                write_workbook(
                    national,
                    path,
                    own=national.own if own else None,
                    one_group="Landet" if own else None,
                    writer=writer,
                )
                gen = time.perf_counter() - start
                read = read_time(path)
                read_proc = read_process_time(path)
                runs = [end_to_end(path, folder / f"ut_{scale}.xlsx") for _ in range(3)]
                e2e, peak = min(r[0] for r in runs), max(r[1] for r in runs)
                rows.append(
                    (scale, label, len(national.data), gen, engine, read, read_proc, e2e, peak, udf)
                )
                path.unlink()
            if scale == 0.1:
                cube_at_tenth = engine
                if not args.skip_libreoffice:
                    lo_seconds = libreoffice_one_municipality(
                        national, folder, timeout=args.lo_timeout
                    )
    header = (
        f"{'skala':>6} {'arbeidsbok':<34} {'rader':>8} {'lag bok':>8} {'motor':>7} {'les':>7} "
        f"{'les (prosess)':>14} {'ende-til-ende':>14} {'e2e/les-prosess':>16} {'topp MB':>8} "
        f"{'KO_INNSP.':>10}"
    )
    print(header)
    print("-" * len(header))
    for scale, label, n, gen, engine, read, read_proc, e2e, peak, udf in rows:
        print(
            f"{scale:>6} {label:<34} {n:>8} {gen:>7.1f}s {engine:>6.2f}s {read:>6.2f}s "
            f"{read_proc:>13.2f}s {e2e:>13.2f}s {e2e / read_proc:>16.2f} {peak:>8.0f} "
            f"{udf:>9.2f}s"
        )
    print(
        "\nles: tblData med CalamineBook i denne prosessen (varm, beste av 3); les (prosess): en ny "
        "prosess som bare leser tblData, som CLI-et ville; ende-til-ende: kommuneokonomi recalc i "
        "en ny prosess (beste av 3)."
    )
    print(
        "\nEksemplene (beste av 5, nye prosesser): recalc nå mot den gamle veien (openpyxl-leser)"
    )
    for name, new, old in example_rows:
        verdict = "OK" if new <= old * 1.05 else "IKKE NÅDD"
        print(f"  {name:<34} {new:6.2f} s mot {old:6.2f} s -> {verdict}")
    print()
    for scale, label, _, _, _, _, read_proc, e2e, peak, _ in rows:
        if scale != 1.0:
            continue
        ok = e2e <= GOALS["e2e_over_read"] * read_proc and peak < GOALS["peak_mb"]
        print(
            f"Mål ({label}): ende-til-ende <= {GOALS['e2e_over_read']} x lesing: "
            f"{e2e / read_proc:.2f} x, toppminne {peak:.0f} MB < {GOALS['peak_mb']:.0f} MB -> "
            f"{'OK' if ok else 'IKKE NÅDD'}"
        )
    full = [r for r in rows if r[0] == 1.0]
    if full:
        engine, udf = full[0][4], full[0][9]
        print(
            f"Mål: motor < {GOALS['engine_s']} s: {engine:.2f} s -> {'OK' if engine < GOALS['engine_s'] else 'IKKE NÅDD'}"
        )
        print(
            f"Mål: KO_INNSPARINGSTABELL < 1 s: {udf:.2f} s -> {'OK' if udf < GOALS['udf_s'] else 'IKKE NÅDD'}"
        )
    if lo_seconds is not None and cube_at_tenth:
        ratio = lo_seconds / cube_at_tenth
        print(
            f"LibreOffice, én kommune, 1/10 skala: {lo_seconds:.1f} s; motoren, alle kommuner: "
            f"{cube_at_tenth:.2f} s -> {ratio:.0f} x -> {'OK' if ratio >= GOALS['lo_over_cube'] else 'IKKE NÅDD'}"
        )


if __name__ == "__main__":
    main()
