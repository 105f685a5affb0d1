"""The one exception type the CLI turns into a one-line message and a non-zero exit."""


class QroiError(Exception):
    """A problem the user can act on (bad path, unreachable URL, unusable store...).

    Raised anywhere in the library; `qroi.cli.commands` prints `qroi: <message>` on stderr and exits 2,
    never a traceback.
    """
