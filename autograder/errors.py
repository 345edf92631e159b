"""Exceptions that carry a verdict about the submission, raised in the trusted process.

Each maps to one status of the result document (see ``results.Status``).
"""


class CheckFailed(AssertionError):
    """The submission's behaviour differs from the contract: status ``failed``."""


class SubmissionError(Exception):
    """The submission's code raised while a check called it: status ``error``.

    ``type_names`` is the exception's MRO as names (``["ValueError", "Exception", ...]``),
    so a check can ask "is it a ValueError" without the exception object, which stays in
    the worker.
    """

    def __init__(self, message, *, type_names=(), where=""):
        super().__init__(message)
        self.type_names = tuple(type_names)
        self.where = where

    def is_a(self, name: str) -> bool:
        return name in self.type_names


class SubmissionTimeout(Exception):
    """A call into the submission ran past its time limit: status ``timeout``."""


class Missing(Exception):
    """The submission has no such file or name: status ``missing``."""


class Blocked(Exception):
    """A check this one relies on did not pass: status ``blocked``."""


class WorkerCrashed(SubmissionError):
    """The process running the submission died (``os._exit``, a signal, out of memory)."""


class ProtocolError(SubmissionError):
    """The worker's reply was not data we accept (too big, unknown types, unreadable)."""


class StaleHandle(SubmissionError):
    """A handle from a worker that has since been restarted (after a timeout or crash)."""
