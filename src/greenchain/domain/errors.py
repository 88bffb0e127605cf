"""The errors of Greenchain, one hierarchy for every layer.

::

    GreenchainError                      root: every error a user can be shown
    ├── InvalidDataError                 input that breaks a rule (file, row, field)
    │   ├── FieldsRejectedError          a form's answers, each problem at its field
    │   ├── RowError                     one bad value (structured: file, row, field, value)
    │   ├── FileRejectedError            a file with bad rows, rejected as a whole
    │   └── UnsupportedConversionError   a unit, currency or year with no conversion
    ├── NotFoundError                    a named thing that does not exist (or is not yours)
    ├── ConflictError                    the thing exists already or the state forbids it
    ├── PermissionDeniedError            the caller may not do this
    │   └── RateLimitedError             too many attempts; wait
    ├── ConfigurationError               a setting points nowhere useful
    │   └── MissingSecretsError          the workspace has no secrets yet (how to make them)
    └── LedgerIntegrityError             a recorded entry no longer matches what it describes

Entry points translate these in one place (CLI exit code and message, HTTP status); services
raise them and never know about HTTP or terminals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


class GreenchainError(Exception):
    """Root of every error a user may be shown. ``code`` is stable and machine readable."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidDataError(GreenchainError):
    code = "invalid_data"


class FieldsRejectedError(InvalidDataError):
    """Answers of a form that break its rules: ``problems`` hold each one's ``field`` (the
    name), ``label`` (what the person sees) and ``message``, to be shown at the field."""

    def __init__(self, message: str, problems: Sequence[object]) -> None:
        super().__init__(message)
        self.problems = list(problems)


@dataclass(frozen=True)
class RowProblem:
    """One bad value: ``row`` counts data rows from 1 (the header is row 0)."""

    row: int
    field: str
    value: str
    reason: str

    def describe(self, file: str) -> str:
        shown = self.value if len(self.value) <= 40 else self.value[:37] + "..."
        return f"{file}: row {self.row}, field '{self.field}': {self.reason} (value '{shown}')"


class RowError(InvalidDataError):
    code = "invalid_row"

    def __init__(self, file: str, problem: RowProblem) -> None:
        super().__init__(problem.describe(file))
        self.file = file
        self.problem = problem


class FileRejectedError(InvalidDataError):
    """A file had bad rows; nothing of it was written.

    ``problems`` may hold only the first of them (a file of a hundred million rows can have as
    many problems); ``problem_count`` counts them all, and ``report``, when set, names the file
    that lists every one."""

    code = "file_rejected"

    def __init__(
        self,
        file: str,
        problems: Sequence[RowProblem],
        total_rows: int,
        *,
        skippable: bool = True,
        problem_count: int | None = None,
        report: str | None = None,
    ) -> None:
        count = len(problems) if problem_count is None else problem_count
        first = problems[0].describe(file) if problems else f"{file}: rejected"
        more = f" (and {count - 1} more problem(s))" if count > 1 else ""
        super().__init__(f"{first}{more}; nothing was imported")
        self.file = file
        self.problems = list(problems)
        self.problem_count = count
        self.total_rows = total_rows
        #: whether the good rows can be imported alone (``--skip-invalid``)
        self.skippable = skippable
        #: the CSV file listing every problem, if one was written
        self.report = report


class UnsupportedConversionError(InvalidDataError):
    code = "unsupported_conversion"


class NotFoundError(GreenchainError):
    code = "not_found"


class ConflictError(GreenchainError):
    code = "conflict"


class PermissionDeniedError(GreenchainError):
    code = "permission_denied"


class RateLimitedError(PermissionDeniedError):
    """Too many attempts; ``retry_after_seconds`` says when the next one is allowed (the API
    sends it as ``Retry-After``)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_seconds: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ConfigurationError(GreenchainError):
    code = "configuration"


class MissingSecretsError(ConfigurationError):
    """The workspace's secrets (session and sealing keys) are neither in its secrets file nor
    in the environment; the message says how to make them."""

    code = "missing_secrets"


@dataclass
class LedgerIntegrityProblem:
    entry: int
    reason: str
    details: dict[str, str] = field(default_factory=dict)


class LedgerIntegrityError(GreenchainError):
    code = "ledger_integrity"


class StoredFileError(LedgerIntegrityError):
    """A file the workspace stored (a run's line file) is missing or does not match the
    SHA-256 it is named by: the line store was changed outside Greenchain."""

    code = "stored_file"
