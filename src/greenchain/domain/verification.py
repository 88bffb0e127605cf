"""How a verifier samples an inventory: monetary-unit sampling of the calculated lines by their
emissions, reproducible from a seed.

Why: a verifier cannot recheck tens of thousands of lines; it checks a sample drawn so that
every tonne has the same chance to be picked (a line's chance grows with its emissions), and
every line larger than the sampling interval is always picked (a key item). ISO 14064-3:2019
clause 6.1.4 asks for a sampling plan with the level of assurance and materiality; ISAE 3410
A57-A60 names statistical sampling; the arithmetic is monetary-unit (probability proportional
to size) sampling as in the AICPA Audit Guide "Audit Sampling" (2019), ch. 6: with no
misstatement expected, the sample size is the Poisson reliability factor of the confidence
level over the tolerable share, ``n = ceil(-ln(1 - confidence) / materiality)`` (95 % and
5 %: 3.0 / 0.05 = 60 lines).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from greenchain.domain.errors import InvalidDataError

ASSURANCE_LEVELS = ("limited", "reasonable")
SEVERITIES = ("low", "medium", "high")
CHECK_RESULTS = ("agreed", "exception")
#: Defaults of a sampling plan: 5 % of the inventory is material, 95 % confidence for
#: reasonable assurance (limited assurance may accept less).
DEFAULT_MATERIALITY = 0.05
DEFAULT_CONFIDENCE = 0.95


def sample_size(materiality: float, confidence: float) -> int:
    """Lines to draw for ``confidence`` that the misstatement stays below ``materiality``
    (shares of the total emissions), with no misstatement expected."""
    if not 0 < materiality < 1:
        raise InvalidDataError(
            f"materiality {materiality * 100:.4g} %: give one above 0 % and below 100 % "
            "(5 % is usual)"
        )
    if not 0.5 <= confidence < 1:
        raise InvalidDataError(
            f"confidence {confidence * 100:.4g} %: give one from 50 % to below 100 % "
            "(95 % is usual)"
        )
    return math.ceil(-math.log(1 - confidence) / materiality)


@dataclass(frozen=True)
class Drawn:
    """A sampled line: its position in the run's lines, and whether it is a key item (its
    emissions exceed the sampling interval, so it is always drawn)."""

    index: int
    key_item: bool


def monetary_unit_sample(emissions: Sequence[float], size: int, seed: int) -> list[Drawn]:
    """Draw about ``size`` lines with a chance proportional to their emissions (absolute
    values: a credit counts by its size): a random start in the first interval, then every
    ``total / size`` tonnes; a line holding one or more of those points is drawn once. The
    same ``seed`` draws the same lines."""
    total = sum(abs(e) for e in emissions)
    if size <= 0 or total <= 0:
        return []
    interval = total / size
    point = random.Random(seed).uniform(0, interval)
    drawn: list[Drawn] = []
    cumulative = 0.0
    for index, value in enumerate(emissions):
        size_of = abs(value)
        upper = cumulative + size_of
        if size_of > 0 and point < upper:
            drawn.append(Drawn(index, size_of >= interval))
            while point < upper:
                point += interval
        cumulative = upper
    return drawn
