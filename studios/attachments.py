"""Which files a report may carry: PDF, PNG or JPEG, told by their content, within a size limit.

Plain rules over bytes, no Flask or database. The browser's declared type and the file name
prove nothing (an executable renamed ``证明.pdf`` is still an executable), so the type is read
from the file's first bytes, and the name's extension must agree with it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from bureau.text import N_

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
MAX_ATTACHMENTS_PER_REPORT = 20

# Magic numbers: PDF (ISO 32000 §7.5.2 file header), PNG (RFC 2083 signature), JPEG (SOI + a marker).
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_EXTENSIONS = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
_LABELS = {"application/pdf": "PDF", "image/png": "PNG", "image/jpeg": "JPEG"}


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int


class AttachmentRefused(ValueError):
    """Why a file cannot be attached: a message template (``N_``) and its parameters."""

    def __init__(self, template: str, **params):
        super().__init__(template % params if params else template)
        self.template, self.params = template, params


def sniff_content_type(data: bytes) -> str | None:
    """The type the content really is (PDF, PNG or JPEG), or ``None`` for anything else."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def check_attachment(filename: str, data: bytes, *, already_attached: int = 0) -> CheckedFile:
    """Accept ``data`` as an attachment named ``filename`` or raise ``AttachmentRefused``."""
    name = safe_filename(filename)
    if not data:
        raise AttachmentRefused(N_("文件“%(name)s”是空的"), name=name)
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise AttachmentRefused(N_("文件“%(name)s”超过%(limit)sMB的大小限制"), name=name,
                                limit=MAX_ATTACHMENT_BYTES // (1024 * 1024))
    if already_attached >= MAX_ATTACHMENTS_PER_REPORT:
        raise AttachmentRefused(N_("每份报告最多%(limit)s个附件"), limit=MAX_ATTACHMENTS_PER_REPORT)
    actual = sniff_content_type(data)
    if actual is None:
        raise AttachmentRefused(N_("文件“%(name)s”不是PDF、PNG或JPEG文件（按文件内容判断）"), name=name)
    declared = _EXTENSIONS.get(PurePath(name).suffix.lower())
    if declared != actual:
        raise AttachmentRefused(N_("文件“%(name)s”的扩展名与内容不符：内容是%(actual)s文件"), name=name,
                                actual=_LABELS[actual])
    return CheckedFile(name, actual, len(data))


def safe_filename(filename: str) -> str:
    """The base name only (no directories), without control characters, at most 200 characters;
    Chinese names are kept, unlike werkzeug's ``secure_filename``."""
    base = PurePath((filename or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(cleaned) > 200:
        suffix = PurePath(cleaned).suffix[:10]
        cleaned = cleaned[: 200 - len(suffix)] + suffix
    return cleaned or "附件"
