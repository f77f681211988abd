"""SIGINT and SIGTERM as a request to stop: the first is recorded, a second stops at once."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def catch_stop_signals(record: Callable[[int], None],
                       received: Callable[[], bool]) -> Iterator[None]:
    """While active, SIGINT/SIGTERM call ``record(signum)`` instead of stopping the process.

    A signal that arrives when ``received()`` is already True restores the default action
    and delivers itself again (a second Ctrl-C stops at once). The previous handlers are put
    back on exit. Does nothing outside the main thread, where Python cannot install handlers.

    Parameters
    ----------
    record : callable
        Called with the signal number of a first signal (e.g. sets a flag the threads poll).
    received : callable
        Whether a stop was already requested.
    """

    def handler(signum: int, frame: object) -> None:
        if received():
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        record(signum)

    with stop_signal_handler(handler):
        yield


@contextlib.contextmanager
def stop_signal_handler(handler: Callable[[int, object], None]) -> Iterator[None]:
    """While active, ``handler(signum, frame)`` handles SIGINT and SIGTERM; the previous
    handlers are put back on exit. Does nothing outside the main thread, where Python
    cannot install handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
