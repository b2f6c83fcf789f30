"""Reading results files, hostile files, the template and safe exports.

Files are made here with openpyxl, except ``data/libreoffice_*.xlsx``: those were written by
LibreOffice 7.4 (``soffice --headless --convert-to xlsx`` from CSVs) with
``data/make_libreoffice_fixtures.py`` and committed, so these tests do not need LibreOffice.
"""

import io
import pathlib
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from competition import spreadsheet
from competition.ranking import rank_results
from competition.spreadsheet import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    TEMPLATE_HEADERS,
    neutralise_cell,
    read_results_upload,
    results_template_xlsx,
    validate_upload,
    write_xlsx,
)
from tests.competition.ids import person_id, wrong_check

DATA = pathlib.Path(__file__).parent / "data"
HEADER = ["序号", "姓名", "身份证号", "工作单位", "是否本地", "组别", "理论成绩", "实操成绩", "奖牌"]


def data_row(n: int, theory=80, practical=90, medal=None) -> list:
    return [n, f"选手{n}", person_id(n), "温州机床厂", "是", "职工组", theory, practical, medal]


def make_xlsx(rows, *, title: str | None = None, first_sheet_rows=None) -> bytes:
    """An .xlsx made by openpyxl; ``title`` goes in a merged row 1 above the header."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if first_sheet_rows is not None:
        sheet.title = "说明"
        for cells in first_sheet_rows:
            sheet.append(cells)
        sheet = workbook.create_sheet("成绩")
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    for cells in rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows, encoding: str) -> bytes:
    text = "\r\n".join(",".join("" if cell is None else str(cell) for cell in cells) for cells in rows)
    return (text + "\r\n").encode(encoding)


def replace_entry(xlsx: bytes, name: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, content if entry.filename == name else source.read(entry))
    return buffer.getvalue()


def fatal_message(parsed) -> str:
    assert parsed.fatal is not None, "expected the file to be refused"
    assert parsed.rows == []
    return parsed.fatal.message


# --- reading good files ---------------------------------------------------------------------

def test_openpyxl_file_with_merged_title_row_is_read_with_excel_row_numbers():
    data = make_xlsx([HEADER, data_row(1, medal="金牌"), data_row(2, 70.5, 88)],
                     title="2026年温州市职业技能大赛成绩表")
    parsed = read_results_upload("成绩.xlsx", data)
    assert parsed.fatal is None and parsed.issues == []
    assert parsed.header_row == 2
    assert parsed.row_numbers == [3, 4]
    assert parsed.rows[0] == {
        "name": "选手1", "id_number": person_id(1), "employer": "温州机床厂", "local": "是",
        "group": "职工组", "theory": 80, "practical": 90, "medal": "金牌"}
    results, issues = validate_upload(parsed, practical_only=False)
    assert issues == []
    assert [(r.name, r.theory, r.medal, r.row) for r in results] == [
        ("选手1", Decimal(80), "gold", 3), ("选手2", Decimal("70.5"), None, 4)]


def test_header_variants_spacing_brackets_and_full_width_are_recognised():
    header = ["姓  名", "身份证号码*", "单位", "本地", "组别", "队名", "理论（30%）",
              "操作技能成绩(70%)", "总分", "排名", "奖项", "基地", "备注", "联系电话"]
    parsed = read_results_upload("a.xlsx", make_xlsx([header, ["张三", person_id(1)]]))
    assert parsed.column_names == dict(zip(
        ["name", "id_number", "employer", "local", "group", "team", "theory", "practical",
         "total", "rank", "medal", "base"], header))
    assert parsed.ignored_columns == ["联系电话"]  # 备注 is known and deliberately not read


def test_header_in_row_3_under_title_and_subtitle_from_libreoffice():
    parsed = read_results_upload("titled.xlsx", (DATA / "libreoffice_titled.xlsx").read_bytes())
    assert parsed.fatal is None and parsed.header_row == 3
    assert parsed.row_numbers == [4, 5, 6]
    results, issues = validate_upload(parsed, practical_only=False)
    assert issues == []
    assert [(r.name, r.id_number, r.local, r.group, r.practical, r.medal) for r in results] == [
        ("王小明", person_id(1), True, "worker", Decimal("92.5"), "gold"),
        ("李华", person_id(3), False, "student", Decimal("88"), None),  # written with a lower-case x
        ("陈静", person_id(2), True, "worker", Decimal("92.5"), None),
    ]
    assert person_id(3).endswith("X")


def test_libreoffice_number_formatted_ids_are_reported_as_lost_digits():
    parsed = read_results_upload("numeric.xlsx", (DATA / "libreoffice_numeric_ids.xlsx").read_bytes())
    assert isinstance(parsed.rows[0]["id_number"], float)
    _, [issue] = validate_upload(parsed, practical_only=True)
    assert (issue.row, issue.field, issue.column) == (2, "id_number", "身份证号")
    assert "文本格式" in issue.message


def test_blank_rows_and_rows_with_only_a_serial_number_are_skipped():
    rows = [HEADER, data_row(1), [None] * 9, [2] + [None] * 8, data_row(3)]
    parsed = read_results_upload("a.xlsx", make_xlsx(rows))
    assert parsed.row_numbers == [2, 5]


def test_an_instructions_sheet_before_the_results_sheet_is_passed_over():
    data = make_xlsx([HEADER, data_row(1)], first_sheet_rows=[["填写说明"], ["请在第二个工作表填写"]])
    parsed = read_results_upload("a.xlsx", data)
    assert parsed.fatal is None and parsed.row_numbers == [2]


def test_a_wrong_dimension_record_does_not_hide_rows():
    data = make_xlsx([HEADER, data_row(1), data_row(2)])
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    lying = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B1"', sheet_xml)
    parsed = read_results_upload("a.xlsx", replace_entry(data, "xl/worksheets/sheet1.xml", lying))
    assert parsed.row_numbers == [2, 3] and parsed.rows[1]["practical"] == 90


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_utf8_bom_and_gb18030(encoding):
    rows = [["2026年温州市职业技能大赛成绩表"], HEADER, data_row(1, medal="金牌"), data_row(2, "85.5", 70)]
    parsed = read_results_upload("成绩.csv", csv_bytes(rows, encoding))
    assert parsed.fatal is None
    assert parsed.header_row == 2 and parsed.row_numbers == [3, 4]
    assert parsed.rows[0]["name"] == "选手1" and parsed.rows[0]["medal"] == "金牌"
    results, issues = validate_upload(parsed, practical_only=False)
    assert issues == [] and results[1].theory == Decimal("85.5")


def test_gb18030_csv_is_really_not_utf8():
    data = csv_bytes([HEADER], "gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_csv_with_quoted_commas_and_line_breaks_counts_records_as_rows():
    data = ('姓名,身份证号,工作单位,实操成绩\n'
            f'张三,{person_id(1)},"温州市,鹿城区\n某厂",80\n'
            f'李四,{person_id(2)},某校,70\n').encode("utf-8")
    parsed = read_results_upload("a.csv", data)
    assert parsed.rows[0]["employer"] == "温州市,鹿城区\n某厂"
    assert parsed.row_numbers == [2, 3]


def test_upload_then_validate_then_rank():
    data = make_xlsx([HEADER, data_row(1, 80, 90), data_row(2, 90, 95), data_row(3, 60, 50)])
    results, issues = validate_upload(read_results_upload("a.xlsx", data), practical_only=False)
    ranked = rank_results(results, theory_weight=Decimal("0.3"), practical_only=False,
                          pass_mark=Decimal(60))
    assert [(item.rank, item.total, item.passed) for item in ranked] == [
        (2, Decimal("87.00"), True), (1, Decimal("93.50"), True), (3, Decimal("53.00"), False)]


# --- problems in good files -----------------------------------------------------------------

def test_a_wrong_id_check_character_is_reported_with_sheet_row_and_column():
    rows = [HEADER, data_row(1), data_row(2)]
    rows[2][2] = wrong_check(person_id(2))
    parsed = read_results_upload("a.xlsx", make_xlsx(rows, title="成绩表"))
    _, [issue] = validate_upload(parsed, practical_only=False)
    assert (issue.row, issue.field, issue.column) == (4, "id_number", "身份证号")
    assert "校验位" in issue.message


def test_a_column_given_twice_is_an_issue_at_the_header_and_blocks_the_results():
    header = ["姓名", "身份证号", "理论", "理论成绩", "实操成绩"]
    parsed = read_results_upload("a.xlsx", make_xlsx([header, ["张三", person_id(1), 80, 80, 90]]))
    [issue] = parsed.issues
    assert (issue.row, issue.field, issue.column) == (1, "theory", "理论成绩")
    assert "理论" in issue.message and "重复" in issue.message
    results, issues = validate_upload(parsed, practical_only=False)
    assert results == [] and issues == [issue]


def test_no_header_in_the_first_rows_is_refused():
    rows = [[f"第{i}行"] for i in range(10)] + [HEADER, data_row(1)]
    assert "未找到表头" in fatal_message(read_results_upload("a.xlsx", make_xlsx(rows)))
    assert "未找到表头" in fatal_message(read_results_upload("a.csv", "只是,一些,文字\n".encode()))


def test_a_header_without_data_is_refused():
    assert "没有成绩数据" in fatal_message(read_results_upload("a.xlsx", make_xlsx([HEADER])))


def test_validating_a_refused_upload_is_a_programming_error():
    with pytest.raises(ValueError):
        validate_upload(read_results_upload("a.xlsx", b""), practical_only=False)


# --- hostile and wrong files ----------------------------------------------------------------

@pytest.mark.parametrize(("filename", "data", "words"), [
    ("成绩.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "不是有效的.xlsx"),
    ("成绩.xlsx", bytes(range(256)) * 40, "不是有效的.xlsx"),
    ("成绩.pdf", b"%PDF-1.7\n", "只能上传.xlsx或.csv"),
    ("成绩.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "旧版Excel"),
    ("成绩.xlsx", b"PK\x03\x04" + bytes(300), "已损坏"),
    ("成绩.xlsx", b"", "空的"),
])
def test_files_that_are_not_spreadsheets_are_refused_clearly(filename, data, words):
    assert words in fatal_message(read_results_upload(filename, data))


def test_other_zip_files_are_not_taken_for_xlsx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "不是有效的.xlsx" in fatal_message(read_results_upload("a.xlsx", buffer.getvalue()))

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert ".ods" in fatal_message(read_results_upload("a.xlsx", buffer.getvalue()))


def test_over_the_size_limit_is_refused_before_reading():
    data = make_xlsx([HEADER, data_row(1)])
    message = fatal_message(read_results_upload("a.xlsx", data, max_bytes=len(data) - 1))
    assert "超过" in message and "MB" in message
    assert read_results_upload("a.xlsx", data, max_bytes=len(data)).fatal is None


def test_default_size_limit_is_10_mib():
    assert DEFAULT_MAX_BYTES == 10 * 1024 * 1024
    oversized = b"a" * (DEFAULT_MAX_BYTES + 1)
    assert "10 MB" in fatal_message(read_results_upload("a.csv", oversized))


def zip_bomb_xlsx(inflated_mib: int) -> bytes:
    """A valid results .xlsx plus a part that inflates from a few KB to ``inflated_mib`` MiB."""
    data = make_xlsx([HEADER, data_row(1)])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry.filename, source.read(entry))
        with target.open("xl/media/padding.bin", "w") as padding:
            chunk = bytes(1024 * 1024)
            for _ in range(inflated_mib):
                padding.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_is_refused_from_the_zip_directory_before_openpyxl_opens_it(monkeypatch):
    bomb = zip_bomb_xlsx(inflated_mib=50)
    assert len(bomb) < 200 * 1024  # 50 MiB from a small upload: ratio around 1000:1

    def must_not_be_called(*args, **kwargs):
        raise AssertionError("openpyxl was asked to open a zip bomb")

    monkeypatch.setattr(spreadsheet.openpyxl, "load_workbook", must_not_be_called)
    assert "压缩炸弹" in fatal_message(read_results_upload("a.xlsx", bomb))


def test_declared_unpacked_size_over_the_cap_is_refused():
    data = make_xlsx([HEADER, data_row(1)])
    unpacked = sum(entry.file_size for entry in zipfile.ZipFile(io.BytesIO(data)).infolist())
    message = fatal_message(read_results_upload("a.xlsx", data, max_unpacked_bytes=unpacked - 1))
    assert "解压后过大" in message
    assert read_results_upload("a.xlsx", data, max_unpacked_bytes=unpacked).fatal is None


ENTITY_BOMB = b"""<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""


def with_entity_bomb(xml: bytes) -> bytes:
    """The part with a billion-laughs DOCTYPE and its first text cell set to &lol9;."""
    declaration = b""
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        declaration, xml = xml[:end], xml[end:]
    xml = re.sub(rb"(<t[^>]*>)", rb"\1&lol9;", xml, count=1)
    return declaration + ENTITY_BOMB + xml


@pytest.mark.parametrize(("source", "part"), [
    ("openpyxl", "xl/worksheets/sheet1.xml"),
    ("libreoffice", "xl/sharedStrings.xml"),
])
def test_xml_entity_expansion_is_refused(source, part):
    if source == "openpyxl":
        data = make_xlsx([HEADER, data_row(1)])
    else:
        data = (DATA / "libreoffice_titled.xlsx").read_bytes()
    original = zipfile.ZipFile(io.BytesIO(data)).read(part)
    hostile = replace_entry(data, part, with_entity_bomb(original))
    assert b"&lol9;" in zipfile.ZipFile(io.BytesIO(hostile)).read(part)
    assert "XML实体" in fatal_message(read_results_upload("a.xlsx", hostile))


def test_xlsx_is_refused_when_openpyxl_would_not_use_defusedxml(monkeypatch):
    monkeypatch.setattr(spreadsheet.openpyxl, "DEFUSEDXML", False)
    data = make_xlsx([HEADER, data_row(1)])
    assert "defusedxml" in fatal_message(read_results_upload("a.xlsx", data))


def test_more_rows_than_the_limit_are_refused():
    rows = [HEADER] + [data_row(n) for n in range(1, 7)]
    assert "5行" in fatal_message(read_results_upload("a.xlsx", make_xlsx(rows), max_rows=5))
    assert read_results_upload("a.xlsx", make_xlsx(rows), max_rows=6).fatal is None


def test_default_row_limit_is_20000():
    rows = [HEADER[1:3]] + [[f"选手{n}", "x"] for n in range(DEFAULT_MAX_ROWS + 1)]
    assert "20000行" in fatal_message(read_results_upload("a.csv", csv_bytes(rows, "utf-8")))
    assert read_results_upload("a.csv", csv_bytes(rows[:-1], "utf-8")).fatal is None


@pytest.mark.parametrize("data", [
    "姓名,身份证号\n张三,1\n".encode("utf-16"),       # UTF-16 with BOM
    "姓名,身份证号\n张三,1\n".encode("utf-16-le"),    # UTF-16 without BOM
    b"\xef\xbb\xbf" + "姓名".encode("gb18030"),        # BOM promising UTF-8, content GB18030
    b"name,id\n\xff\xfe\xfa,1\n",
])
def test_csv_neither_utf8_nor_gb18030_is_refused(data):
    assert "编码" in fatal_message(read_results_upload("a.csv", data))


def test_csv_with_an_oversized_field_is_refused():
    data = f"姓名,身份证号\n张三,{'1' * 200_000}\n".encode()
    assert "CSV文件格式有误" in fatal_message(read_results_upload("a.csv", data))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
       st.sampled_from(["a.xlsx", "a.csv"]))
def test_damaged_files_never_raise(damage, filename):
    data = bytearray(_FUZZ_BASE)
    for position, value in damage:
        data[position % len(data)] = value
    parsed = read_results_upload(filename, bytes(data))
    assert parsed.fatal is not None or parsed.rows


_FUZZ_BASE = make_xlsx([HEADER, data_row(1), data_row(2)])


# --- writing --------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "written"), [
    ("=1+2", "'=1+2"), ("+86 577", "'+86 577"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\r=1", "'\r=1"), ("张三", "张三"), ("a=1", "a=1"), ("", ""),
    (-5, -5), (Decimal("87.50"), Decimal("87.50")), (None, None),
])
def test_neutralise_cell(value, written):
    assert neutralise_cell(value) == written


def test_write_xlsx_keeps_formula_like_text_as_text():
    data = write_xlsx("成绩/公示[1]", ["姓名", "=HYPERLINK(\"http://x\")", "总成绩"],
                      [["=cmd|' /C calc'!A0", person_id(1), Decimal("87.50")], ["张三", None, 90]])
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert sheet.title == "成绩_公示_1_"
    cells = [[cell for cell in row] for row in sheet.iter_rows()]
    assert all(cell.data_type != "f" for row in cells for cell in row)
    assert [[cell.value for cell in row] for row in cells] == [
        ["姓名", "'=HYPERLINK(\"http://x\")", "总成绩"],
        ["'=cmd|' /C calc'!A0", person_id(1), 87.5],
        ["张三", None, 90],
    ]


def test_template_has_the_headers_text_id_column_and_choices_and_reads_back():
    data = results_template_xlsx()
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == list(TEMPLATE_HEADERS)
    id_letter = openpyxl.utils.get_column_letter(TEMPLATE_HEADERS.index("身份证号") + 1)
    assert sheet.column_dimensions[id_letter].number_format == "@"
    choices = {validation.formula1 for validation in sheet.data_validations.dataValidation}
    assert choices == {'"是,否"', '"职工组,学生组"', '"金牌,银牌,铜牌,优胜奖"'}
    assert workbook.sheetnames[1] == "填写说明"

    # Filled in the way an organiser would, it reads back with every column recognised.
    assert "没有成绩数据" in fatal_message(read_results_upload("模板.xlsx", data))
    sheet.append([1, "张三", person_id(1), "温州机床厂", "是", "职工组", "一队", 80, 90, 87, None, "金牌", 3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    parsed = read_results_upload("模板.xlsx", buffer.getvalue())
    assert parsed.ignored_columns == [] and len(parsed.column_names) == len(TEMPLATE_HEADERS) - 1
    results, issues = validate_upload(parsed, practical_only=False)
    assert issues == [] and results[0].team == "一队" and results[0].base_id == 3
