"""The importer's own error type for whole-file failures."""

from __future__ import annotations

from app.errors import UserFacingError


class IngestError(UserFacingError):
    """A file that cannot be imported at all: `str(e)` is "<file>: <message>" (+ " (row N)")."""

    def __init__(self, filename: str, message: str, row: int | None = None) -> None:
        self.filename = filename
        self.message = message
        self.row = row
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" (row {self.row})" if self.row is not None else ""
        return f"{self.filename}: {self.message}{where}"

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str, int | None]]:
        return (type(self), (self.filename, self.message, self.row))


def over_upload_limit(size: int, max_bytes: int) -> str:
    """Why a file of `size` bytes is refused; the limit is `max_bytes` inclusive (MB meaning MiB, as in Streamlit).

    Exact byte counts: rounded, a file 44 bytes over 20 MiB read "the file is 20.0 MB,
    over the upload limit of 20 MB".
    """
    mib = 1 << 20
    return (
        f"the file is {size / mib:.1f} MB ({size:,} bytes), over the upload limit of "
        f"{max_bytes / mib:.0f} MB ({max_bytes:,} bytes)"
    )
