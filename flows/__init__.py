"""Prefect flows, input readers and the CLI: the edges of presswash.

Prefect reads its settings from the environment when it is first imported, so the
quiet, offline defaults are set here, before any module of ours imports it. Each is a
`setdefault`: a user's own Prefect configuration still wins.
"""

import os

USER_LOGGING_LEVEL = os.environ.get("PREFECT_LOGGING_LEVEL")
"""The user's own choice, which `-v` does not override."""

QUIET_PREFECT_ENV: dict[str, str] = {
    # no usage telemetry from the temporary local server
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # run logs stay local; shipping them to the API is what SQLite contends on
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # a run on the temporary server needs none of these background services; with them
    # on, SQLite prints "database is locked" tracebacks at shutdown (prefect 3.9)
    **{
        f"PREFECT_SERVER_SERVICES_{svc}_ENABLED": "false"
        for svc in (
            "CANCELLATION_CLEANUP",
            "CLEANUP_RECONCILER",
            "DB_VACUUM",
            "EVENT_LOGGER",
            "EVENT_PERSISTER",
            "FOREMAN",
            "LATE_RUNS",
            "PAUSE_EXPIRATIONS",
            "REPOSSESSOR",
            "SCHEDULER",
            "TASK_RUN_RECORDER",
            "TRIGGERS",
        )
    },
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def configure_prefect(*, verbose: bool = False) -> None:
    """Apply the quiet offline defaults (call before importing prefect)."""
    if verbose and not USER_LOGGING_LEVEL:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    for key, value in QUIET_PREFECT_ENV.items():
        os.environ.setdefault(key, value)


configure_prefect()
