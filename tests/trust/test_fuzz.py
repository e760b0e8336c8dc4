"""The fuzzer in CI: a bounded number of cases (``make fuzz`` runs many more).

Invariant: a clean result or a typed input error, never an unhandled exception, and the input
file unchanged. See :mod:`tests.trust.fuzzing` for what is mutated. The case counts can be
raised with ``KO_FUZZ_FILES`` and ``KO_FUZZ_MEMORY``; CI runs at least :data:`MINIMUM`.

The cases come from a fixed seed (``KO_FUZZ_SEED``; ``random`` for a new draw each run), so a
CI run is reproducible and a finding does not come and go between runs; ``make fuzz`` draws
new cases every time, many more of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .fuzzing import COUNTS, env_cases, fuzz_files, fuzz_memory

#: The acceptance criterion: at least this many cases in every CI run.
MINIMUM = 2000
FILES = env_cases("KO_FUZZ_FILES", 400)  # ~90 ms each (~170 with coverage): a real file
MEMORY = env_cases("KO_FUZZ_MEMORY", 1800)  # ~10 ms each (~18 with coverage): in memory
_SEED = os.environ.get("KO_FUZZ_SEED", "20261122")
SEED = None if _SEED == "random" else int(_SEED)


def test_fuzz_files(built: Path, tmp_path: Path) -> None:
    assert fuzz_files(FILES, built, tmp_path, seed=SEED) >= FILES


def test_fuzz_memory(built: Path) -> None:
    assert fuzz_memory(MEMORY, built, seed=SEED) >= MEMORY


def test_fuzz_ran_enough_cases() -> None:
    """Runs after the two above (file order); counts what they actually ran."""
    if not {"filer", "minne"} <= set(COUNTS):
        pytest.skip("the fuzz tests did not run in this session")
    assert sum(COUNTS.values()) >= MINIMUM, dict(COUNTS)
