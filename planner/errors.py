"""The planner's own error types.

Every problem a user can cause (a bad model file, an unknown board, a malformed board file)
is raised as a :class:`PlannerError`; the CLI turns it into one line on stderr and exit
status 2. Anything else escaping the package is a bug.
"""

from __future__ import annotations


class PlannerError(Exception):
    """A problem with the user's input, explained in one line."""


class ModelError(PlannerError):
    """The model file cannot be read or is not a model the planner can handle."""


class BoardError(PlannerError):
    """A board name is unknown or a board file is malformed."""


class RuntimeCheckError(PlannerError):
    """The real TFLM runtime could not be run on a model."""
