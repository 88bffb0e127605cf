"""Calculation methods of the GHG Protocol Scope 3 Standard, best available first."""

from enum import StrEnum


class Method(StrEnum):
    """The method hierarchy, best first (Scope 3 Calculation Guidance, chapter 1)."""

    PRODUCT_LEVEL = "product_level"
    SUPPLIER_SPECIFIC = "supplier_specific"
    AVERAGE_DATA = "average_data"
    SPEND_BASED = "spend_based"


METHODS_BEST_FIRST: tuple[Method, ...] = tuple(Method)
