"""Embedded demo of the ROUND0 Interviews API: deterministic data plus a real loopback server.

``DemoServer`` (server.py) serves the data from ``dataset.py``; ``main_foreground`` runs it for
``rztui demo-server``. Standard library only, so importing this is cheap.
"""

from .dataset import DEMO_KEY, INACTIVE_KEY, Dataset, make_bulk, questions_payload, snapshot
from .server import FAULT_IDS, SLOW_SECONDS, DemoServer, DemoStats, main_foreground

__all__ = [
    "DEMO_KEY", "FAULT_IDS", "INACTIVE_KEY", "SLOW_SECONDS", "Dataset", "DemoServer", "DemoStats",
    "main_foreground", "make_bulk", "questions_payload", "snapshot",
]
