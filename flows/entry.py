"""The `presswash` console script: stop signals are handled from the first moment.

A Ctrl-C while the command line module is still importing would otherwise end in a
KeyboardInterrupt traceback; this module imports nothing heavy before installing the
handler (see `flows.signals`).
"""

from flows.signals import stop_on_signals


def main() -> None:
    """Console-script entry point: `flows.cli.main` under the stop-signal handler."""
    with stop_on_signals():
        from flows.cli import main as cli_main

        cli_main()
