"""Statutory and local timescales (Working Together 2023 and the council's own), in working days or weeks.

Place in the flow: quoted in route texts here; the hub's clock uses the same numbers to set follow-up due
dates.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timescales:
    decision_working_days: int
    referrer_feedback_working_days: int
    lado_working_days: int
    fgm_report_working_days: int
    early_help_review_weeks: int
    early_help_assessment_start_working_days: int
    assessment_working_days: int
    icpc_working_days: int
