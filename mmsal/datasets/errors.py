"""The error raised for bad dataset input."""


class DataError(ValueError):
    """Bad dataset input: a missing path, a file that is not what it should
    be. The message is one line and names the path or option."""
