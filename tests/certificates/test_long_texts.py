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
from bureau.db import db
from competition import operations as competition_operations
from tests.certificates.samples import KINDS, LETTERS, filled, form_limits, long_certificate, make_certificate
from tests.certificates.test_issue import (WENZHOU_CITY, XIAMEN_CITY, awards_of, excellent_studio_result, issue,
                                           people)


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


@pytest.mark.parametrize("letters", LETTERS)
def test_the_longest_names_the_forms_accept_are_issued_and_printed_on_one_page(app, client, users, api_token, letters):
    """Worded by the application itself: a competition, its people and a studio with the longest
    names, issued through the API (which answers once the PDF rendered) and downloaded."""
    limits, text = form_limits(), LETTERS[letters]
    headers = api_token("admin")

    def issued(expected_texts, **body) -> None:
        response = issue(client, headers, **body)
        assert response.status_code == 201, response.get_json()
        pdf = client.get(response.get_json()["pdf_url"], headers=headers)
        assert pdf.status_code == 200 and page_count(pdf.data) == 1
        printed = printed_text(pdf.data)
        for expected in expected_texts:
            assert "".join(expected.split()) in printed
        assert words_outside_the_frame(pdf.data) == []

    for spec, kinds in ((WENZHOU_CITY, ("title", "cash")), (XIAMEN_CITY, ("skill_level",))):
        name = filled(limits["competition"] - 1, text) + spec["name"][6]  # 温 or 厦: two names
        occupation = filled(limits["occupation"], text[::-1])
        competition = competition_operations.create_competition({**spec, "name": name, "occupation": occupation},
                                                                users["organiser"])
        contestants = [{**row, "name": filled(limits["person"] - 1, text) + str(number)}
                       for number, row in enumerate(people(3))]
        competition_operations.replace_results(competition, contestants)
        competition_operations.finalize(competition)
        db.session.commit()
        for kind in kinds:
            award = awards_of(competition, kind)[0]
            issued([name, occupation, award.name], award_id=award.id)

    users["lead"].display_name = filled(limits["lead"], text)
    result = excellent_studio_result(users, name=filled(limits["studio"], text),
                                     jurisdiction=filled(limits["jurisdiction"], text[::-1]))
    issued([result.studio.name, result.assessment.jurisdiction, users["lead"].display_name],
           assessment_result_id=result.id)
