"""Certificates are checked by reading the PDF back with poppler and zbar, as a reader would."""

import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from jinja2.exceptions import SecurityError
from markupsafe import Markup

from bureau.certificates import render
from bureau.certificates.render import (
    ForbiddenResourceError,
    PageCountError,
    certificate_context,
    html_to_pdf,
    render_certificate_pdf,
    render_certificates_pdf,
    render_html,
)
from tests.certificates.samples import KINDS, make_certificate


def _run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def _pdf_text(pdf_path) -> str:
    return _run("pdftotext", "-layout", str(pdf_path), "-")


def _without_spaces(text: str) -> str:
    return "".join(text.split())


def _page_count(pdf_path) -> int:
    info = _run("pdfinfo", str(pdf_path))
    return int(next(line for line in info.splitlines() if line.startswith("Pages:")).split()[1])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One PDF per kind, rendered once for the module: {kind: (data, path)}."""
    folder = tmp_path_factory.mktemp("certificates")
    result = {}
    for kind in KINDS:
        data = make_certificate(kind)
        path = folder / f"{kind}.pdf"
        path.write_bytes(render_certificate_pdf(data))
        result[kind] = (data, path)
    return result


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_is_one_page_with_holder_serial_issuer_and_chinese_date(rendered, kind):
    data, path = rendered[kind]
    text = _pdf_text(path)
    assert _page_count(path) == 1
    assert data.holder_name in text
    assert data.serial in text
    assert data.issuer in text
    assert "二〇二六年十一月" in text
    assert _without_spaces(data.title_line) in _without_spaces(text)  # letter-spaced


@pytest.mark.parametrize("kind", KINDS)
def test_pdf_embeds_a_cjk_font(rendered, kind):
    _, path = rendered[kind]
    fonts = _run("pdffonts", str(path)).splitlines()[2:]  # after the two header lines
    embedded_cjk = [
        line for line in fonts
        if ("Noto" in line or "CJK" in line) and line.split()[-5] == "yes"  # the "emb" column
    ]
    assert any("Serif-CJK" in line for line in embedded_cjk), fonts


@pytest.mark.parametrize("kind", KINDS)
def test_qr_code_decodes_to_the_verification_address(rendered, kind, tmp_path):
    data, path = rendered[kind]
    _run("pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page"))
    decoded = _run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == data.verify_url


def test_many_certificates_make_one_document_with_a_page_each(tmp_path):
    items = [make_certificate(kind) for kind in KINDS * 3]
    path = tmp_path / "batch.pdf"
    path.write_bytes(render_certificates_pdf(items))
    assert _page_count(path) == len(items)
    text = _pdf_text(path)
    pages = text.split("\f")
    for page_text, data in zip(pages, items):
        assert data.serial in page_text


def test_skill_level_certificate_prints_masked_id_and_particulars(rendered):
    data, path = rendered["skill_level"]
    text = _pdf_text(path)
    assert data.id_number_masked in text
    assert "电工" in text
    assert "二〇二六年十一月二十一日" in text


@pytest.mark.parametrize("name", ["<script>alert(1)</script>", "{{ 7*7 }}", "{% raw %}<b>x</b>"])
def test_holder_name_with_markup_or_template_syntax_is_printed_literally(name, tmp_path):
    data = make_certificate("prize", holder_name=name)
    html = render_html([data])
    assert "<script>" not in html and "<b>" not in html
    path = tmp_path / "evil.pdf"
    path.write_bytes(render_certificate_pdf(data))
    assert f"{name} 同志" in _pdf_text(path)  # the name as typed, nothing evaluated


def test_markup_objects_are_escaped_like_any_text():
    data = make_certificate("title", holder_name=Markup("<b>张晓明</b>"))
    html = render_html([data])
    assert "<b>张晓明</b>" not in html
    assert "&lt;b&gt;张晓明&lt;/b&gt;" in html


def test_templates_run_in_a_sandbox():
    environment = render._environment()
    with pytest.raises(SecurityError):
        environment.from_string("{{ ''.__class__.__mro__[1].__subclasses__() }}").render()


def test_context_holds_plain_strings_only():
    context = certificate_context(make_certificate("skill_level"))

    def plain(value):
        if isinstance(value, (list, tuple)):
            return all(plain(item) for item in value)
        if isinstance(value, dict):
            return all(plain(item) for item in value.values())
        return type(value) is str

    assert plain(context), context


def test_full_id_number_is_refused():
    data = make_certificate("skill_level", id_number_masked="330302199001011234")
    with pytest.raises(ValueError, match="masked"):
        render_certificate_pdf(data)


def test_text_too_long_for_one_page_is_refused_not_split():
    # 1,500 characters: far more than any form accepts (tests/certificates/test_long_texts.py)
    data = make_certificate("title", body_lines=("成绩优异，" * 300,))
    with pytest.raises(PageCountError):
        render_certificate_pdf(data)


def test_long_names_still_fit_on_one_page(tmp_path):
    items = [
        make_certificate("title", holder_name="阿卜杜热合曼·买买提艾力·吐尔逊"),
        make_certificate(
            "excellent_studio",
            holder_name="温州市瓯海区某某精密机械制造有限公司张晓明数控加工技能大师工作室（省级）",
        ),
    ]
    path = tmp_path / "long.pdf"
    path.write_bytes(render_certificates_pdf(items))
    assert _page_count(path) == 2


def test_threads_render_side_by_side(tmp_path):
    # Batch workers may run in threads; each thread gets its own fonts and stylesheet.
    batches = [[make_certificate(kind) for kind in KINDS] for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        pdfs = list(pool.map(render_certificates_pdf, batches))
    for number, (batch, pdf) in enumerate(zip(batches, pdfs)):
        path = tmp_path / f"batch{number}.pdf"
        path.write_bytes(pdf)
        assert _page_count(path) == len(batch)
        assert all(data.serial in _pdf_text(path) for data in batch)


class _CountingHandler(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 (name fixed by http.server)
        self.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """An HTTP server on 127.0.0.1 that records every request it gets."""
    _CountingHandler.requests = []
    server = HTTPServer(("127.0.0.1", 0), _CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _CountingHandler.requests
    server.shutdown()
    server.server_close()


def test_local_files_and_network_addresses_are_refused_unfetched(local_server):
    address, requests = local_server
    svg_reading_a_file = (
        "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' "
        "xmlns:xlink='http://www.w3.org/1999/xlink' width='10' height='10'>"
        "<image xlink:href='file:///etc/hostname' width='10' height='10'/></svg>"
    )
    html = f"""<!DOCTYPE html><html><head>
        <link rel="stylesheet" href="{address}/linked.css">
        <style>@import url("{address}/imported.css");
               .bg {{ background: url("{address}/background.png"); height: 1cm }}</style>
        </head><body>
        <img src="file:///etc/passwd">
        <img src="{address}/image.png">
        <div class="bg"></div>
        <img src="{svg_reading_a_file}">
        </body></html>"""
    with pytest.raises(ForbiddenResourceError) as refused:
        html_to_pdf(html)
    assert requests == []
    assert "file:///etc/passwd" in refused.value.urls
    assert f"{address}/image.png" in refused.value.urls
    assert f"{address}/linked.css" in refused.value.urls
    assert f"{address}/imported.css" in refused.value.urls
    assert f"{address}/background.png" in refused.value.urls
    assert "file:///etc/hostname" in refused.value.urls

