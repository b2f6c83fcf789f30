"""The part of a batch that runs in worker processes: certificate data in, files out.

No Flask and no database here: a process started with ``spawn`` imports only this module and
the renderer. Every file is written to a temporary name and renamed, so a file under its final
name is always whole, even if the process is killed while writing.
"""
from __future__ import annotations

import ctypes
import os
import signal
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path

from weasyprint import HTML

from bureau.certificates import render
from bureau.certificates.render import (
    CertificateData,
    DataURIOnlyFetcher,
    ForbiddenResourceError,
    PageCountError,
    render_certificates_pdf,
    render_html,
)


PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with_parent(parent_pid: int) -> None:
    """Initializer of each rendering process: it ends when the worker that started it does.

    A worker killed outright (SIGKILL, the out-of-memory killer) runs no clean-up of its own, and
    its rendering processes would go on holding the memory. On Linux the kernel sends them SIGKILL
    when their parent ends (strictly: the thread that started them; ``BatchWorker.run`` ends its
    pool before it returns anyway). The parent may have died before this call: then its pid is no
    longer our parent's, and the process ends at once.
    """
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)


def render_chunk_pdf(items: Sequence[CertificateData], path: str) -> int:
    """Lay ``items`` out as one PDF, a page each, at ``path``; returns its size in bytes."""
    pdf = render_certificates_pdf(items)
    write_atomically(Path(path), pdf)
    return len(pdf)


def render_chunk_zip(entries: Sequence[tuple[str, CertificateData]], path: str) -> int:
    """One PDF per certificate, stored in a ZIP at ``path`` under the given names; returns the count.

    PDFs are compressed already, so the entries are stored, not deflated again.
    """
    pdfs = render_single_pdfs([data for _, data in entries])
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED) as archive:
        for (name, _), pdf in zip(entries, pdfs):
            archive.writestr(name, pdf)
    os.replace(temporary, target)
    return len(pdfs)


def render_single_pdfs(items: Sequence[CertificateData]) -> list[bytes]:
    """A separate one-page PDF for each certificate, laid out together once.

    Laying the pages out in one document and writing each page as its own PDF saves the
    per-document layout setup; each file still embeds only the glyphs of its own page. The same
    checks as ``render.html_to_pdf``: one page per certificate, nothing fetched but ``data:``.
    """
    fetcher = DataURIOnlyFetcher()
    assets = render._assets()
    document = HTML(string=render_html(items), url_fetcher=fetcher).render(
        font_config=assets.font_config, stylesheets=[assets.stylesheet])
    if len(document.pages) != len(items):
        raise PageCountError(f"expected {len(items)} pages, laid out {len(document.pages)}")
    pdfs = [document.copy([page]).write_pdf() for page in document.pages]
    if fetcher.refused:
        raise ForbiddenResourceError(fetcher.refused)
    return pdfs


def write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
