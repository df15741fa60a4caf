"""Renderers: turn a :class:`~planner.check.FitCheck` into text, JSON, CSV, Markdown or HTML.

They only format; every figure comes from the check. :func:`planner.report.document.to_document`
is the one structured form the machine-readable formats share.
"""
