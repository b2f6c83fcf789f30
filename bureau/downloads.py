"""Sending a file for download under a name people can read, whatever the name holds."""
from __future__ import annotations

import io
import os
import unicodedata

from flask import send_file

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_filename(name: str) -> str:
    """``name`` with line breaks and other control characters as single spaces.

    Names come from user text (competition names, uploaded files); a line break would end the
    header, which Werkzeug refuses with a 500 rather than send.
    """
    spaced = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    return " ".join(spaced.split())


def send_download(content: bytes | memoryview | os.PathLike, name: str, mimetype: str, *, inline: bool = False,
                  max_age: int | None = None):
    """Send ``content`` (bytes or a file's path) to be saved as ``name``, or shown if ``inline``.

    Werkzeug's ``send_file`` writes a non-ASCII name as RFC 6266 ``filename*=UTF-8''…`` beside
    an ASCII ``filename=``: the header stays ASCII, as a WSGI server (gunicorn) requires; raw
    UTF-8 in a header is refused there, though the test client lets it through.
    """
    source = io.BytesIO(content) if isinstance(content, (bytes, bytearray, memoryview)) else content
    return send_file(source, mimetype=mimetype, as_attachment=not inline, download_name=download_filename(name),
                     max_age=max_age)
