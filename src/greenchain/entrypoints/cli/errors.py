"""Translate errors into exit codes and messages, in one place; no traceback reaches a user."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from greenchain.domain.errors import (
    ConfigurationError,
    ConflictError,
    FileRejectedError,
    GreenchainError,
    InvalidDataError,
    LedgerIntegrityError,
    NotFoundError,
    PermissionDeniedError,
)

EXIT_CODES: list[tuple[type[GreenchainError], int]] = [
    (InvalidDataError, 3),
    (NotFoundError, 4),
    (ConflictError, 5),
    (PermissionDeniedError, 6),
    (ConfigurationError, 7),
    (LedgerIntegrityError, 8),
]
INTERNAL_ERROR = 70

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def exit_code_for(error: GreenchainError) -> int:
    return next((code for kind, code in EXIT_CODES if isinstance(error, kind)), 1)


def fail(error: GreenchainError) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {error.message}", markup=True)
    if isinstance(error, FileRejectedError):
        for problem in error.problems[:20]:
            err_console.print(f"  - {problem.describe(error.file)}", markup=False)
        if error.problem_count > 20:
            err_console.print(f"  ... {error.problem_count - 20} more", markup=False)
        if error.report:
            err_console.print(f"  Every problem is listed in {error.report}", markup=False)
        err_console.print(
            "  Fix the rows, or import the good rows with --skip-invalid "
            "(the bad ones go to a rejected-rows file)."
            if error.skippable
            else "  Fix the rows and import the file again.",
            markup=False,
        )
    raise typer.Exit(exit_code_for(error))


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except GreenchainError as error:
        fail(error)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as error:
        if os.environ.get("GREENCHAIN_DEBUG"):
            raise
        err_console.print(
            f"[bold red]internal error:[/] {type(error).__name__}: {error}\n"
            "Set GREENCHAIN_DEBUG=1 to see the details.",
            markup=True,
        )
        raise typer.Exit(INTERNAL_ERROR) from None


def guarded(func: Callable[..., None]) -> Callable[..., None]:
    import functools

    @functools.wraps(func)
    def wrapper(*args: object, **kwargs: object) -> None:
        with user_errors():
            func(*args, **kwargs)

    return wrapper


def is_interactive() -> bool:
    return sys.stderr.isatty()
