"""qroi: mine a git history, score it with Radon, link it to delivery, test whether quality pays."""

__version__ = "0.1.0"
