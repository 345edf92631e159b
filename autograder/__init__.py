"""autograder: a sandboxed, check-by-check grading engine for code assignments.

What a check module imports: ``check`` (register a check), the ``expect_*`` helpers,
and the handle operations (``fetch``, ``assign``, ``parameters``, ``gradients``).
"""
from .errors import CheckFailed, SubmissionError
from .expect import (as_number, describe, expect, expect_close, expect_equal, expect_raises,
                     expect_tensor)
from .handles import assign, fetch, gradients, is_handle, parameters, type_name
from .registry import check

__all__ = ["check", "CheckFailed", "SubmissionError", "expect", "expect_close", "expect_equal",
           "expect_raises", "expect_tensor", "as_number", "describe", "fetch", "assign",
           "parameters", "gradients", "type_name", "is_handle"]
