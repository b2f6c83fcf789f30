"""Attachments are PDF, PNG or JPEG by their content, within the size limit (studios.attachments)."""
import pytest

from studios.attachments import (
    MAX_ATTACHMENT_BYTES,
    AttachmentRefused,
    check_attachment,
    safe_filename,
    sniff_content_type,
)

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64


@pytest.mark.parametrize(("data", "content_type"), [(PDF, "application/pdf"), (PNG, "image/png"),
                                                     (JPEG, "image/jpeg"), (EXE, None), (b"", None)])
def test_the_type_is_read_from_the_content(data, content_type):
    assert sniff_content_type(data) == content_type


@pytest.mark.parametrize(("name", "data", "content_type"), [
    ("带徒协议.pdf", PDF, "application/pdf"), ("签到表.PNG", PNG, "image/png"), ("现场.jpeg", JPEG, "image/jpeg"),
    ("现场.jpg", JPEG, "image/jpeg")])
def test_pdf_and_images_are_accepted(name, data, content_type):
    checked = check_attachment(name, data)
    assert (checked.filename, checked.content_type, checked.size) == (name, content_type, len(data))


@pytest.mark.parametrize(("name", "data", "message"), [
    ("证明.pdf", PNG, "文件“证明.pdf”的扩展名与内容不符：内容是PNG文件"),
    ("证明.pdf", EXE, "文件“证明.pdf”不是PDF、PNG或JPEG文件（按文件内容判断）"),
    ("setup.exe", EXE, "文件“setup.exe”不是PDF、PNG或JPEG文件（按文件内容判断）"),
    ("图片.png", PDF, "文件“图片.png”的扩展名与内容不符：内容是PDF文件"),
    ("空.pdf", b"", "文件“空.pdf”是空的"),
    ("大.pdf", PDF + b"\x00" * MAX_ATTACHMENT_BYTES, "文件“大.pdf”超过5MB的大小限制"),
])
def test_other_files_are_refused_with_the_reason(name, data, message):
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(name, data)
    assert str(refused.value) == message


def test_a_report_holds_a_limited_number_of_files():
    with pytest.raises(AttachmentRefused, match="最多20个附件"):
        check_attachment("a.pdf", PDF, already_attached=20)


@pytest.mark.parametrize(("given", "kept"), [("C:\\Users\\张\\带徒协议.pdf", "带徒协议.pdf"),
                                             ("../../etc/passwd.pdf", "passwd.pdf"), ("a\x00b.pdf", "ab.pdf"),
                                             ("", "附件")])
def test_file_names_keep_chinese_and_lose_directories(given, kept):
    assert safe_filename(given) == kept
