"""The request class: uploaded files stay in memory, bounded by the request's size limit."""
from __future__ import annotations

import io
from typing import IO

from flask import Request


class InMemoryUploadRequest(Request):
    """Werkzeug writes an upload larger than 500 KB to a temporary file; that file would hold a
    spreadsheet of displaced people in plaintext. Here every upload stays in memory, which
    `max_content_length` (MAX_CONTENT_LENGTH, or a view's own limit) keeps bounded."""

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> IO[bytes]:
        return io.BytesIO()
