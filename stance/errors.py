"""Errors the command line turns into one clear line and exit code 2."""
from __future__ import annotations

from pathlib import Path
from typing import Any

MAX_VALUE_CHARS = 200


def short(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """``repr(value)`` cut to about ``limit`` characters: an error never prints an unbounded value."""
    text = repr(value) if not isinstance(value, str) or len(value) <= limit * 4 else repr(value[: limit * 4])
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit} more characters)"


class StanceError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class InputError(StanceError, ValueError):
    """Bad input: names the file, the line (1-based) and the field where it can.

    >>> str(InputError("gold.jsonl", "unknown label 'maybe'", line=3, field="stance"))
    "gold.jsonl:3: field 'stance': unknown label 'maybe'"
    """

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        if len(message) > 3 * MAX_VALUE_CHARS:  # a value printed whole: keep the line readable
            message = f"{message[: 3 * MAX_VALUE_CHARS]}... ({len(message) - 3 * MAX_VALUE_CHARS} more characters)"
        self.message = message
        super().__init__(self.format())

    def format(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        return f"{where}:{field} {self.message}"


class ConfigError(InputError):
    """A configuration file or override that cannot be used."""
