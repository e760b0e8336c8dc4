"""Run the workbook fuzzer for a long time: ``make fuzz`` (``python scripts/fuzz.py``).

The same fuzzer as ``tests/trust/test_fuzz.py`` (see ``tests/trust/fuzzing.py``), with many more
cases: a quarter mutate real files and run the command line on them, the rest mutate the raw
tables and run the service in memory. The invariant is the same: a clean result or a typed
input error, never an unhandled exception, and the input file unchanged. On a finding,
hypothesis shrinks it and prints the smallest case and a ``@reproduce_failure`` line; the
script exits 1.

Settings (arguments, or the environment for make):

    --cases N        total cases (KO_FUZZ_CASES, default 50 000)
    --files-share F  share of cases on real files (KO_FUZZ_FILES_SHARE, default 0.25)
    --seed S         a fixed seed to replay a run (KO_FUZZ_SEED; default: random)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fuzzer lives with the tests

from tests.trust.fuzzing import COUNTS, fuzz_files, fuzz_memory  # noqa: E402

from kommuneokonomi.workbook.build import build_all  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=int(os.environ.get("KO_FUZZ_CASES", 50_000)))
    parser.add_argument(
        "--files-share", type=float, default=float(os.environ.get("KO_FUZZ_FILES_SHARE", 0.25))
    )
    seed_env = os.environ.get("KO_FUZZ_SEED")
    parser.add_argument("--seed", type=int, default=int(seed_env) if seed_env else None)
    args = parser.parse_args(argv)
    n_files = max(1, round(args.cases * args.files_share))
    n_memory = max(1, args.cases - n_files)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ko-fuzz-") as folder:
        built = Path(folder) / "bygget"
        work = Path(folder) / "arbeid"
        built.mkdir()
        work.mkdir()
        build_all(built)
        print(f"fuzz: {n_memory} tilfeller i minnet, {n_files} på filer (seed {args.seed})")
        try:
            fuzz_memory(n_memory, built, seed=args.seed)
            print(f"fuzz: minnet ferdig etter {time.monotonic() - started:.0f} s")
            fuzz_files(n_files, built, work, seed=args.seed)
        except Exception:
            traceback.print_exc()
            print(f"fuzz: FUNN etter {dict(COUNTS)} tilfeller", file=sys.stderr)
            return 1
    total = sum(COUNTS.values())
    print(
        f"fuzz: {total} tilfeller uten funn ({dict(COUNTS)}) på {time.monotonic() - started:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
