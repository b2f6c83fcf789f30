"""Sending a file for download under a name people can read, whatever the name holds."""
from __future__ import annotations

import io
import os

from flask import send_file

from bureau.text import one_line

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_download(content: bytes | memoryview | os.PathLike, name: str, mimetype: str, *, inline: bool = False,
                  max_age: int | None = None):
    """Send ``content`` (bytes or a file's path) to be saved as ``name`` (on one line), or shown if ``inline``.

    Werkzeug's ``send_file`` writes a non-ASCII name as RFC 6266 ``filename*=UTF-8''…`` beside
    an ASCII ``filename=``: the header stays ASCII, as a WSGI server (gunicorn) requires; raw
    UTF-8 in a header is refused there, though the test client lets it through.
    """
    source = io.BytesIO(content) if isinstance(content, (bytes, bytearray, memoryview)) else content
    return send_file(source, mimetype=mimetype, as_attachment=not inline, download_name=one_line(name),
                     max_age=max_age)
