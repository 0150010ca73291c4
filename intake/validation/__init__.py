"""Validation of what people type: marshmallow fields and schemas, one per step and one for the whole request.

Place in the flow: the conversation engine loads each answer through the step's schema (so a bad answer gets a
message saying what to do and the question again), and the intake service loads the complete answers through the
request schema once more at submission, so a bad stored draft can never become a bad request.
"""

from intake.validation.request import RequestProblem, validate_request
from intake.validation.step import AnswerError, load_answer, step_schema

__all__ = ["AnswerError", "RequestProblem", "load_answer", "step_schema", "validate_request"]
