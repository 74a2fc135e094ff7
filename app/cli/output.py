"""What every command writes: machine output as JSON lines on stdout, one-line messages on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TextIO

from app import money


def say(command: str, text: str, *, err: TextIO | None = None) -> None:
    """`privfin COMMAND: text` on stderr (the human channel; stdout stays machine-readable)."""
    print(f"privfin {command}: {text}" if command else f"privfin: {text}", file=err or sys.stderr)


def eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def json_line(line: Mapping[str, Any]) -> str:
    """`line` as one JSON object, Decimal values written as exact JSON numbers (`-12.50`):
    a float would keep only 15-17 significant digits."""

    def member(value: Any) -> str:
        return money.plain(value) if isinstance(value, Decimal) else json.dumps(value, ensure_ascii=False)

    return "{" + ", ".join(f"{json.dumps(key)}: {member(value)}" for key, value in line.items()) + "}"


def write_json_lines(records: Iterable[Mapping[str, Any]], out: TextIO | None = None) -> None:
    """One JSON object per line; records are written as they come (never all held at once)."""
    stream = out or sys.stdout
    for record in records:
        print(json_line(record), file=stream)
    stream.flush()


def plural(n: int, word: str) -> str:
    suffix = "es" if word.endswith(("s", "sh", "ch", "x")) else "s"
    return f"{n:,} {word}{'' if n == 1 else suffix}"
