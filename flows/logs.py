"""Where a run's log lines go: the terminal with `-v`, Prefect's API when serving.

Prefect sends its loggers to a console handler on the root logger and, for the flow
and task run loggers, to its API. presswash's CLI reports the outcome of a run itself
(the summary table, or one line), so by default Prefect's lines stay off the terminal;
`-v` shows them from INFO up. The level is set on the live loggers when a command
starts, not read from the environment when Prefect is first imported, so `-v` works
whatever imported Prefect first. Whether lines also go to the API (what the Prefect UI
shows for a run) is `PREFECT_LOGGING_TO_API_ENABLED`: off for a one-off `run` (it is
what SQLite contends on), on for `serve`.
"""

from __future__ import annotations

import logging

RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")

PRESSWASH_LOGGER = "presswash"
"""Our own lines outside a flow run (the serve loop)."""


class QuietPrefect(logging.Filter):
    """Drops Prefect's records from the terminal unless verbose."""

    def __init__(self) -> None:
        super().__init__("presswash-quiet-prefect")
        self.verbose = False

    def filter(self, record: logging.LogRecord) -> bool:
        if self.verbose:
            return True
        return not record.name.startswith("prefect")


_QUIET = QuietPrefect()


def show_run_logs(verbose: bool) -> None:
    """Prefect's run logs on the terminal from INFO (`verbose`) or not at all.

    The run loggers always pass INFO on, so the API handler (when enabled) records
    them whether or not the terminal shows them. Call after importing Prefect.
    """
    import prefect.logging.configuration  # noqa: F401  (Prefect configures logging on import)

    _QUIET.verbose = verbose
    logging.getLogger("prefect").setLevel(logging.INFO)
    ours = logging.getLogger(PRESSWASH_LOGGER)
    ours.setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in logging.getLogger().handlers:
        if _QUIET not in handler.filters:
            handler.addFilter(_QUIET)
    if not ours.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s | %(message)s", "%H:%M:%S"))
        ours.addHandler(handler)
        ours.propagate = False


def run_logger() -> logging.Logger | logging.LoggerAdapter[logging.Logger]:
    """Prefect's logger for the current flow run, else presswash's own."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.logging import get_run_logger

    if FlowRunContext.get() or TaskRunContext.get():
        return get_run_logger()
    return logging.getLogger(PRESSWASH_LOGGER)
