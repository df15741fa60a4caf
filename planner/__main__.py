"""``planner`` (the console script) and ``python -m planner``: one command, in a process that
ends with it (:func:`planner.cli.run`)."""

from __future__ import annotations

import gc


def run() -> None:
    """The command, its modules imported with the cyclic collector off: the classes and
    functions they make live until the exit, and the collections their import would make (2%
    of a `planner fit` process) would only scan them. :func:`planner.cli.run` freezes them
    and turns the collector back on."""
    gc.disable()
    from planner.cli import run as run_command

    run_command()


if __name__ == "__main__":
    run()
