"""Plain-text tables for the terminal: what ``kommuneokonomi demo`` and ``check`` print.

Presentation only: numbers are formatted the Norwegian way (1 234,5) and "-" marks no saving.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["text_table"]


def text_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    align: str | None = None,
    title: str | None = None,
) -> str:
    """Render rows of already formatted cells as an aligned text table.

    Args:
        headers: column headers.
        rows: cells as strings.
        align: one letter per column, ``l`` or ``r``; default: first column left, rest right.
        title: an optional line above the table.
    """
    align = align or "l" + "r" * (len(headers) - 1)
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).ljust(w) if a == "l" else str(c).rjust(w)
            for c, w, a in zip(cells, widths, align, strict=False)
        ]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out += [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)
