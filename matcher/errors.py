"""The library's exception tree; the CLI and HTTP edges translate these for people."""

from __future__ import annotations

from dataclasses import dataclass


class MatcherError(Exception):
    """Base of every error the library raises on purpose."""


@dataclass(frozen=True)
class InputIssue:
    """One problem in an input file, located the way a spreadsheet user looks for it."""

    file: str
    row: int | None  # spreadsheet row number (header is row 1), None for file-level issues
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"第 {self.row} 行 (row {self.row})")
        if self.column:
            where.append(f"列 {self.column} (column {self.column})")
        return f"{', '.join(where)}: {self.message}"


class InputError(MatcherError):
    """Bad input: carries every issue found, so a user can fix them all in one pass."""

    def __init__(self, issues: list[InputIssue]) -> None:
        self.issues = issues
        head = f"{len(issues)} input problem(s)" if len(issues) != 1 else "1 input problem"
        super().__init__(head + ":\n" + "\n".join(f"  - {i}" for i in issues[:50]))


class UsageError(MatcherError):
    """Options that cannot work (an unknown format or solver): refused before any work starts."""


class ModelError(MatcherError):
    """A model or fitted artefact is missing, or does not fit what it is used with."""


class IndexMismatchError(ModelError):
    """A saved index belongs to another model, dimension, or id map."""


class ClusterError(MatcherError):
    """A Ray cluster could not be reached, or failed while ranking."""


class EditRefused(MatcherError):
    """A hand edit of a plan breaks a constraint the planner keeps; `reasons` says which, in
    Chinese, one sentence each. The plan is left as it was."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("；".join(reasons))
