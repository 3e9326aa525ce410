"""After start-up: import what the first sync needs, then exempt the long-lived heap from the
garbage collector.

A full collection walks every tracked object: with the SDKs' model classes loaded that is about
140,000 objects and 100-250 ms, during which no thread, the GUI thread included, can run. Objects
alive once everything is imported live as long as the app, so `gc.freeze()` moves them out of the
collector's way; later collections only walk what a sync creates. The imports happen on a plain
thread so the tray is ready first and stays responsive meanwhile.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading

log = logging.getLogger(__name__)

#: What the first sync imports lazily (the SDK loads its resource and model modules on first use).
MODULES = (
    "app.engine.factory",
    "app.salesforce.oauth",
    "simple_salesforce",
    "conductor.resources.qbd",
    "conductor.types.qbd",
)


def warm_up() -> threading.Thread:
    def work() -> None:
        for name in MODULES:
            try:
                importlib.import_module(name)
            except ImportError:  # a trimmed build without one of them still runs
                log.debug("warm-up could not import %s", name)
        gc.freeze()

    thread = threading.Thread(target=work, name="warm-up", daemon=True)
    thread.start()
    return thread
