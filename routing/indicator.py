"""The indicator catalogue: short, sourced descriptions of need that the intake offers as choices.

Place in the flow: the intake shows the indicators of the concern categories a referrer picked; the chosen ids
travel in Facts to the engine, which weighs them by level and domain.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    """A concern category the intake offers as a multiple choice (neglect, exploitation, ...)."""

    id: str
    label: str
    help: str


@dataclass(frozen=True)
class Indicator:
    id: str
    domain: str
    subdomain: str
    level: int
    text: str
    categories: tuple[str, ...]
    # Inclusive lower bound, exclusive upper bound: max_age_years 13 reads "under 13", as the documents say
    # it.
    min_age_years: float | None = None
    max_age_years: float | None = None
    pre_birth: bool = False
    # Only meaningful at level 4: reasonable cause to suspect significant harm (s47) rather than child in need
    # (s17).
    child_protection: bool = False
    source: str = ""

    def fits_age(self, age_years: float | None) -> bool:
        # An unknown age must not hide a question: ask it rather than miss a concern.
        if age_years is None:
            return True
        if self.min_age_years is not None and age_years < self.min_age_years:
            return False
        return self.max_age_years is None or age_years < self.max_age_years
