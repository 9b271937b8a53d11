"""Errors the command line turns into one clear line and exit code 2."""
from __future__ import annotations

from pathlib import Path


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
