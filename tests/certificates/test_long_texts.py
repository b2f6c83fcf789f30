"""Every design fits one page with the longest texts the forms accept (issue 13, item 5).

A 200-character competition name (with a 100-character occupation appended), 50-character
person names, 200-character studio names: the type steps down by length and wraps, so the page
count stays one and every character is printed. Read back with pypdf (pages) and poppler (text).
"""
from __future__ import annotations

import re
import subprocess
from io import BytesIO

import pytest
from pypdf import PdfReader

from bureau.certificates.render import PageCountError, fit_step, render_certificate_pdf, render_certificates_pdf
from tests.certificates.samples import KINDS, LETTERS, filled, form_limits, long_certificate, make_certificate


def page_count(pdf: bytes) -> int:
    return len(PdfReader(BytesIO(pdf)).pages)


def printed_text(pdf: bytes) -> str:
    """The PDF's text in the order it was laid out (the skill level's two columns one after the
    other) with every space and line break removed."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, check=True, capture_output=True).stdout.decode()
    return "".join(text.split())


MM = 72 / 25.4
# The frame's inner gold rule is 11.6 mm from the page's edges (certificate.css).
INSIDE_FRAME = 11.6 * MM
_WORD_BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def words_outside_the_frame(pdf: bytes) -> list[str]:
    """Words poppler finds on a page (A4 landscape) that reach past the frame: overflowing or clipped text."""
    boxes = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, check=True, capture_output=True).stdout.decode()
    width, height = 297 * MM, 210 * MM
    outside = []
    for x_min, y_min, x_max, y_max, word in _WORD_BOX.findall(boxes):
        if (float(x_min) < INSIDE_FRAME or float(y_min) < INSIDE_FRAME or float(x_max) > width - INSIDE_FRAME
                or float(y_max) > height - INSIDE_FRAME):
            outside.append(word)
    return outside


def variable_texts(data) -> list[str]:
    return [data.holder_name, *data.body_lines, *(value for _, value in data.particulars)]


@pytest.mark.parametrize("letters", LETTERS)
@pytest.mark.parametrize("kind", KINDS)
def test_the_longest_texts_fit_one_page_and_are_printed_whole(kind, letters):
    data = long_certificate(kind, LETTERS[letters])
    pdf = render_certificate_pdf(data)
    assert page_count(pdf) == 1
    text = printed_text(pdf)
    for expected in variable_texts(data):
        assert "".join(expected.split()) in text
    assert data.serial in text
    assert words_outside_the_frame(pdf) == []


def _overflowing(items) -> list[str]:
    """The certificates among ``items`` that do not fit one page, described."""
    found = []
    for data in items:
        try:
            render_certificate_pdf(data)
        except PageCountError:
            found.append(f"{data.kind} holder {len(data.holder_name)} body {sum(map(len, data.body_lines))} "
                         f"step {fit_step(data)}")
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_every_length_up_to_the_longest_fits_one_page(kind):
    """Lengths from short to the longest, every text together and the holder's name alone or the rest
    alone at its longest: one page each (the type steps are chosen by length)."""
    items = [long_certificate(kind, letters, scale / 20) for letters in LETTERS.values() for scale in range(1, 21)]
    items += [long_certificate(kind, letters, scale / 10, holder_scale=holder)
              for letters in LETTERS.values() for scale in range(0, 11, 2) for holder in (0.0, 1.0)]
    try:
        pdf = render_certificates_pdf(items)
    except PageCountError:
        pytest.fail(f"more than one page: {_overflowing(items)}")
    assert page_count(pdf) == len(items)
    assert len({fit_step(data) for data in items}) >= 3  # the type does step down


def test_normal_certificates_keep_the_largest_type():
    assert [fit_step(make_certificate(kind)) for kind in KINDS] == [0] * len(KINDS)
    # about 57 characters of competition name: the length that broke a title certificate before
    name = filled(57, "温州市职业技能大赛")
    data = make_certificate("title", body_lines=(f"在{name}电工项目（职工组）中荣获第一名，", "被授予"))
    assert page_count(render_certificate_pdf(data)) == 1


def test_a_long_unbroken_latin_word_wraps_inside_the_frame():
    word = "W" * form_limits()["competition"]
    data = make_certificate("prize", body_lines=(f"在{word}中荣获",))
    pdf = render_certificate_pdf(data)
    assert page_count(pdf) == 1
    assert word in printed_text(pdf)
    assert words_outside_the_frame(pdf) == []  # one line of 200 W would run far past the right edge
