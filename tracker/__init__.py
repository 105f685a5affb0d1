"""qroi: mine a git history, score it with Radon, link it to delivery, test whether quality pays.

`qroi.open(path)` opens a store for notebooks (`qroi.api`); it is loaded on first use, so
`import qroi` stays as cheap as the command line needs it to be.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
_API = ("open", "Store", "ClaimReport")


def __getattr__(name: str) -> Any:
    if name in _API:
        from qroi import api

        return getattr(api, name)
    raise AttributeError(f"module 'qroi' has no attribute {name!r}")
