"""Fixtures for the routing tests: the shipped rules, loaded once (loading is pure, so sharing is safe)."""

from __future__ import annotations

import pytest

from routing import RuleSet, load_rules


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()
