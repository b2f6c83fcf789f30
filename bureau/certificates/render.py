"""Certificates as PDF: plain data → sandboxed Jinja2 HTML → WeasyPrint.

Templates (``templates/certificates``) see plain values only, prepared by
``certificate_context``. WeasyPrint may load nothing but ``data:`` URIs, so a template cannot
read local files or reach the network. The stylesheet and font configuration are built once
per thread and reused, which is what makes many certificates in one document fast.
"""

import base64
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

import segno
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from bureau.certificates.chinese_dates import chinese_date
from bureau.certificates.serials import KIND_CODES

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "certificates"
STYLESHEET = TEMPLATES_DIR / "certificate.css"

# Names longer than this get a smaller face so that they stay on one line.
LONG_HOLDER_NAME = 16

# Type steps (certificate.css, "Type steps"): step 0 is the design as drawn, each further step
# sets the body in smaller type. For each part of a design that grows with its texts, and each
# step: the ems of body type in one line (the part's width over the step's type size) and the
# lines the part holds. A certificate is set at the first step where every part holds its text
# (``text_lines``); the last step holds the longest texts the forms accept. The line counts were
# found by laying out certificates of every length (tests/certificates/test_long_texts.py).
_WHOLE_WIDTH = (35.4, 42.5, 49.0, 55.4)  # 225 mm at 18, 15, 13 and 11.5 pt
_CITATION_WIDTH = (17.6, 20.3, 22.0, 25.1)  # the skill level's citation: 93 mm at 15, 13, 12 and 10.5 pt
_TABLE_WIDTH = (16.2, 18.1, 19.7, 21.6)  # its particulars' values: 80 mm at 14, 12.5, 11.5 and 10.5 pt
_ANY = math.inf
FIT_STEPS: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {
    "title": {"text": tuple(zip(_WHOLE_WIDTH, (7, 8, 12, _ANY)))},
    "prize": {"text": tuple(zip(_WHOLE_WIDTH, (6, 8, _ANY, _ANY)))},
    "excellent_studio": {"text": tuple(zip(_WHOLE_WIDTH, (7, 9, 12, _ANY)))},
    "skill_level": {"particulars": tuple(zip(_TABLE_WIDTH, (9, 10, _ANY, _ANY))),
                    "citation": tuple(zip(_CITATION_WIDTH, (6, 10, 12, _ANY)))},
}


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate, as the issuing code knows it.

    ``kind`` is one of ``KIND_CODES``; its template adds the fixed wording (heading,
    salutation, 特发此证). The caller words the rest:

    - ``holder_name``: the person, or for ``excellent_studio`` the studio or base.
    - ``id_number_masked``: the ID number already masked (``330302********1234``); empty for
      studios. A full ID number is refused: certificates are shown in public.
    - ``body_lines``: the citation leading to the honour, one paragraph each, e.g.
      ``("在2026年温州市职业技能大赛电工项目（职工组）中荣获第一名，", "被授予")``.
    - ``title_line``: the honour in large type: the level (高级工（三级）), the title
      (温州市技术能手; the template adds “”称号), the placing (第一名　金牌) or the grade
      (优秀技能大师工作室).
    - ``particulars``: labelled facts, e.g. ``(("职业（工种）", "电工"),)`` for a skill level
      or ``(("领办人", "张晓明"),)`` for a studio.
    """

    serial: str
    kind: str
    holder_name: str
    id_number_masked: str
    title_line: str
    body_lines: tuple[str, ...]
    issuer: str
    issued_on: date
    verify_url: str
    particulars: tuple[tuple[str, str], ...] = ()


class ForbiddenResourceError(Exception):
    """The HTML referred to a resource other than a ``data:`` URI; it was not fetched."""

    def __init__(self, urls: Sequence[str]):
        super().__init__(f"refused to fetch: {', '.join(urls)}")
        self.urls = list(urls)


class PageCountError(Exception):
    """The PDF did not have one page per certificate: some text overflowed its page."""


class DataURIOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that loads ``data:`` URIs and refuses everything else.

    Refusals are remembered as well as raised, because WeasyPrint turns fetch errors into log
    warnings (and inside SVG images swallows them); ``html_to_pdf`` checks afterwards.
    """

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",))
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"only data: URIs may be loaded, refused {url}")
        return super().fetch(url, headers)


def certificate_context(data: CertificateData) -> dict[str, object]:
    """The values one certificate's template sees: strings, and lists and pairs of strings.

    Every text goes through ``str()``, which also turns ``Markup`` into a plain string, so
    autoescaping applies to all of it.
    """
    _check_printable(data)
    return {
        "template": f"{data.kind}.html",
        "kind": str(data.kind),
        "serial": str(data.serial),
        "holder_name": str(data.holder_name),
        "holder_size": "holder--long" if len(data.holder_name) > LONG_HOLDER_NAME else "",
        "fit_class": f"certificate--fit-{step}" if (step := fit_step(data)) else "",
        "id_number_masked": str(data.id_number_masked),
        "title_line": str(data.title_line),
        "body_lines": [str(line) for line in data.body_lines],
        "particulars": [(str(label), str(value)) for label, value in data.particulars],
        "issuer": str(data.issuer),
        "issued_on": chinese_date(data.issued_on, with_day=False),
        "issued_on_full": chinese_date(data.issued_on),
        "verify_url": str(data.verify_url),
        "qr_data_uri": qr_data_uri(str(data.verify_url)),
        "seal_data_uri": seal_data_uri(str(data.issuer)),
    }


def fit_step(data: CertificateData) -> int:
    """The type step a certificate is set at: 0 (the design as drawn) for usual lengths, up to 3."""
    parts = FIT_STEPS[data.kind].items()
    last = min(len(steps) for _, steps in parts) - 1
    for step in range(last):
        if all(text_lines(data, part, steps[step][0]) <= steps[step][1] for part, steps in parts):
            return step
    return last


def text_lines(data: CertificateData, part: str, line_ems: float) -> float:
    """About how many lines of body type ``part`` of the certificate takes, ``line_ems`` to a line.

    Each paragraph starts a line; the name is set larger than the body (x 1.2), the honour
    larger still, letter-spaced (x 2) and on lines twice as high.
    """
    def lines(width: float) -> int:
        return max(1, math.ceil(width / line_ems))

    holder = text_width(data.holder_name) * 1.2
    if part == "particulars":  # the skill level's table: one row each, the name, ID and date too
        return lines(holder) + 2 + sum(lines(text_width(value)) for _, value in data.particulars)
    body = sum(lines(2 + text_width(line)) for line in data.body_lines)
    honour = 2 * lines(2 * text_width(data.title_line))
    if data.kind == "skill_level":  # the citation beside the table
        return body + honour + 1
    salutation = lines(holder + 3)
    particulars = sum(lines(3 + text_width(label) + text_width(value)) for label, value in data.particulars)
    return salutation + particulars + body + honour + 1


def text_width(text: str) -> float:
    """The width of ``text`` in ems of the certificate face, never less than laid out.

    CJK characters are one em; in Noto Serif CJK bold the widest Latin letters (M, W) are 1.1 em
    and the others at most 0.7 em; anything else counts as 1.2 em.
    """
    width = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            width += 1.0
        elif char.isascii():
            width += 1.1 if char in _WIDE_LATIN or char.isupper() else 0.7
        else:
            width += 1.2
    return width


_WIDE_LATIN = frozenset("mw@%")


def _check_printable(data: CertificateData) -> None:
    if data.kind not in KIND_CODES:
        raise ValueError(f"unknown certificate kind {data.kind!r}")
    for field in ("serial", "holder_name", "title_line", "issuer", "verify_url"):
        if not str(getattr(data, field)).strip():
            raise ValueError(f"{field} must not be empty")
    if _looks_like_full_id_number(str(data.id_number_masked)):
        raise ValueError("id_number_masked must be masked before it is printed")


def render_html(items: Sequence[CertificateData], *, embed_css: bool = False) -> str:
    """HTML of a document with one page per certificate.

    The PDF path hands the stylesheet to WeasyPrint separately (parsed once per thread);
    ``embed_css`` puts it in a ``<style>`` element instead, for a browser or plain WeasyPrint.
    """
    if not items:
        raise ValueError("no certificates to render")
    return _environment().get_template("document.html").render(
        document_title=items[0].serial if len(items) == 1 else f"证书 {len(items)} 份",
        certificates=[certificate_context(item) for item in items],
        embed_css=embed_css,
    )


def render_certificate_pdf(data: CertificateData) -> bytes:
    """One certificate as a one-page PDF."""
    return render_certificates_pdf([data])


def render_certificates_pdf(items: Sequence[CertificateData]) -> bytes:
    """Many certificates as one PDF, one page each, in the order given.

    Far faster per certificate than a PDF each: fonts are subset and embedded once and the
    seal, the same on every page, is stored once.
    """
    return html_to_pdf(render_html(items), expected_pages=len(items))


def html_to_pdf(html: str, *, expected_pages: int | None = None) -> bytes:
    """Lay out ``html`` with the certificate stylesheet and return the PDF.

    Raises ``ForbiddenResourceError`` if the HTML referred to anything but ``data:`` URIs and
    ``PageCountError`` if the page count is not ``expected_pages``.
    """
    fetcher = DataURIOnlyFetcher()
    assets = _assets()
    document = HTML(string=html, url_fetcher=fetcher).render(
        font_config=assets.font_config, stylesheets=[assets.stylesheet]
    )
    if expected_pages is not None and len(document.pages) != expected_pages:
        raise PageCountError(f"expected {expected_pages} pages, laid out {len(document.pages)}")
    pdf = document.write_pdf()
    if fetcher.refused:
        raise ForbiddenResourceError(fetcher.refused)
    return pdf


def qr_data_uri(url: str) -> str:
    """The QR code of ``url`` as a PNG data URI, one pixel per module.

    Measured against segno's SVG (inline or as data URI), the PNG lays out and draws faster in
    WeasyPrint, makes a smaller PDF and is a plain string; CSS scales it with sharp edges.
    """
    return segno.make(url, error="m").png_data_uri(scale=1, border=0)


@lru_cache(maxsize=64)
def seal_data_uri(issuer: str) -> str:
    """The issuer's seal as an SVG data URI, its letters sized to fit the name on the ring.

    One URI per issuer: WeasyPrint parses the image once per document, not once per page.
    """
    font_size, step = _seal_lettering(len(issuer))
    # Each letter stands upright on a circle: its baseline runs along the tangent, its middle
    # at the letter's angle. SVG places a letter by its left baseline point and turns it about
    # that point, so x and y are that point; one <text> for all lays out faster than one each.
    baseline_radius = 50 - _SEAL_LETTER_TOP - font_size * _SEAL_ASCENT
    first_angle = -step * (len(issuer) - 1) / 2
    xs, ys, angles = [], [], []
    for index in range(len(issuer)):
        angle = math.radians(first_angle + index * step)
        middle_x = 50 + baseline_radius * math.sin(angle)
        middle_y = 50 - baseline_radius * math.cos(angle)
        xs.append(middle_x - font_size / 2 * math.cos(angle))
        ys.append(middle_y - font_size / 2 * math.sin(angle))
        angles.append(math.degrees(angle))
    svg = _environment().get_template("seal.svg").render(
        name=issuer,
        font_size=f"{font_size:.2f}",
        xs=_numbers(xs),
        ys=_numbers(ys),
        angles=_numbers(angles),
        star_path=_SEAL_STAR_PATH,
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _numbers(values: Sequence[float]) -> str:
    return " ".join(f"{value:.2f}" for value in values)


def _looks_like_full_id_number(text: str) -> bool:
    compact = text.strip()
    return len(compact) >= 15 and compact[:-1].isdigit()


# Seal geometry in the units of its 100 × 100 viewBox.
_SEAL_LETTER_TOP = 9.5  # from the top edge to the tops of the letters, inside the ring
_SEAL_ASCENT = 0.88  # height above the baseline of a CJK letter, in letter sizes
_SEAL_WIDEST_ARC = math.radians(250)
_SEAL_LARGEST_LETTER = 14.0
_SEAL_LETTER_PITCH = 1.1  # letter advance along the arc, in letter sizes


def _seal_lettering(letter_count: int) -> tuple[float, float]:
    """Letter size, and degrees between letters: as large as fits in the widest arc.

    CJK letters are square, so a letter's size is also its width along the arc.
    """
    font_size = _SEAL_LARGEST_LETTER
    while True:
        letter_radius = 50 - _SEAL_LETTER_TOP - font_size / 2
        step = font_size * _SEAL_LETTER_PITCH / letter_radius
        if step * (letter_count - 1) <= _SEAL_WIDEST_ARC or font_size <= 6:
            return font_size, math.degrees(step)
        font_size -= 0.25


def _star_path(cx: float, cy: float, outer: float) -> str:
    """A five-pointed star, point up, as SVG path data."""
    inner = outer * 0.382  # regular star: inner radius / outer radius = 1 / φ²
    corners = []
    for index in range(10):
        radius = outer if index % 2 == 0 else inner
        angle = math.radians(-90 + 36 * index)
        corners.append(f"{cx + radius * math.cos(angle):.2f} {cy + radius * math.sin(angle):.2f}")
    return "M" + " L".join(corners) + " Z"


_SEAL_STAR_PATH = _star_path(50, 52, 15)


@cache
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _ThreadAssets(threading.local):
    """The parsed stylesheet and the font configuration, made once per thread.

    Reusing them saves parsing the CSS and scanning fonts on every render; they wrap Pango
    and fontconfig objects that are not safe to share between threads.
    """

    def __init__(self) -> None:
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(
            string=STYLESHEET.read_text(encoding="utf-8"),
            font_config=self.font_config,
            url_fetcher=DataURIOnlyFetcher(),
        )


@cache
def _assets() -> _ThreadAssets:
    # One shared object whose attributes are per thread; built lazily so that importing this
    # module does not scan the system's fonts.
    return _ThreadAssets()
