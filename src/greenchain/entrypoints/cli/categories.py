"""``greenchain category``: Scope 3 categories declared excluded, with their justification."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from greenchain.entrypoints.cli.common import OrgOption, YearOption, console, open_context
from greenchain.entrypoints.cli.errors import guarded
from greenchain.services import categories as category_service

category_app = typer.Typer(
    help="Scope 3 categories excluded from a year's inventory, with their justification.",
    no_args_is_help=True,
)

CategoryOption = Annotated[
    int, typer.Option("--category", help="Scope 3 category, 1 to 15.", min=1, max=15)
]


@category_app.command("exclude")
@guarded
def category_exclude(
    org: OrgOption,
    year: YearOption,
    category: CategoryOption,
    reason: Annotated[
        str, typer.Option("--reason", help="Why the category is not relevant (disclosed).")
    ],
) -> None:
    """Declare a category excluded; the next calculation run of the year reports it."""
    ctx, _ = open_context(require_secrets=False)
    new = category_service.exclude_category(ctx, org, year, category, reason)
    verb = "excluded" if new else "exclusion updated"
    console.print(
        f"Category {category} {verb} for {org} {year}; it appears in the report from the next "
        f"run (greenchain calc --org {org} --year {year})."
    )


@category_app.command("include")
@guarded
def category_include(org: OrgOption, year: YearOption, category: CategoryOption) -> None:
    """Withdraw an exclusion."""
    ctx, _ = open_context(require_secrets=False)
    category_service.withdraw_exclusion(ctx, org, year, category)
    console.print(f"Category {category} is no longer excluded for {org} {year}.")


@category_app.command("list")
@guarded
def category_list(org: OrgOption, year: YearOption) -> None:
    """The categories declared excluded from a year, with their justification."""
    ctx, _ = open_context(require_secrets=False)
    table = Table("category", "justification", "declared")
    for e in category_service.list_exclusions(ctx, org, year):
        table.add_row(f"{e.category}. {e.name}", e.reason, e.declared_at)
    console.print(table)
