"""Results spreadsheets: reading uploads (.xlsx, .csv), the template, and safe .xlsx exports.

Reading never raises on a bad file: ``read_results_upload`` returns a ``ParsedUpload`` whose
``fatal`` says why the file as a whole was refused, or whose ``rows`` and ``issues`` say what
was read and what is wrong with the layout. Checking the values is ``competition.validation``'s
job; ``validate_upload`` runs it with the file's row numbers and column names.

Hostile files are refused before a parser sees them where possible: the size of the upload,
the declared unpacked size and compression ratio of every zip entry (a zip bomb is caught from
the zip directory alone; Python's zipfile never inflates an entry past its declared size), and
XML entity declarations (openpyxl parses with defusedxml when it is installed; we check that it
does and refuse .xlsx otherwise).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import defusedxml
import openpyxl
import openpyxl.xml.functions
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from bureau.text import N_
from competition.validation import Issue, ResultInput, fill_message, validate_results

# --- header aliases: API field name -> headers accepted in files ------------------------------
# Matched after normalising the header cell: NFKC (full-width to half-width), whitespace removed
# (“姓  名” is common), a trailing note in brackets removed (“理论成绩（30%）”), a required-mark
# “*” removed, lower-cased. The first alias of each field is the template's header.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "选手姓名", "参赛选手", "选手", "name"),
    "id_number": ("身份证号", "身份证号码", "身份证", "公民身份号码", "证件号码", "id_number"),
    "employer": ("工作单位", "单位", "所在单位", "单位名称", "工作单位或学校", "学校", "employer"),
    "local": ("是否本地", "本地", "是否本地单位", "是否本市", "local"),
    "group": ("组别", "参赛组别", "group"),
    "team": ("团队", "队名", "团队名称", "参赛队", "team"),
    "theory": ("理论成绩", "理论", "理论知识成绩", "理论知识", "theory"),
    "practical": ("实操成绩", "操作技能成绩", "实操", "操作技能", "技能操作成绩", "实际操作成绩", "practical"),
    "total": ("总成绩", "总分", "综合成绩", "total"),
    "rank": ("名次", "排名", "rank"),
    "medal": ("奖牌", "奖项", "获奖等次", "medal"),
    "base": ("集训基地", "基地", "集训基地编号", "基地编号", "base"),
}
# Headers recognised and deliberately not read.
IGNORED_HEADERS: tuple[str, ...] = ("序号", "备注", "no", "no.")
# The template starts with a 序号 column because organisers expect one.
TEMPLATE_HEADERS: tuple[str, ...] = ("序号",) + tuple(aliases[0] for aliases in HEADER_ALIASES.values())
# A header row must name at least these fields; it identifies the row and the person.
REQUIRED_HEADER_FIELDS = ("name", "id_number")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 20_000
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Real sheet XML deflates about 5-30:1; deflate cannot exceed about 1030:1. Only entries big
# enough to matter are ratio-checked, so tiny highly regular parts never trip it.
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# Title rows may sit above the header; look this far down for it.
HEADER_SEARCH_ROWS = 10
# Columns beyond this are not read (a hostile sheet can claim 16,384 columns).
MAX_COLUMNS = 64

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .et and other pre-2007 Office files
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
CSV_EXTENSIONS = (".csv", ".txt")
XLSX_EXTENSIONS = (".xlsx", ".xlsm")
# A spreadsheet treats a cell starting with one of these as a formula (or DDE); see write_xlsx.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_ALIAS_TO_FIELD = {
    alias: field_name for field_name, aliases in HEADER_ALIASES.items() for alias in aliases
}
_BRACKETED_NOTE = re.compile(r"\(.*\)$")
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class FileProblem:
    """Why a whole file was refused: a ``N_`` message template and its parameters."""

    message_template: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """The untranslated message with its parameters filled in."""
        return fill_message(self.message_template, self.params)


@dataclass
class ParsedUpload:
    """What was read from an uploaded results file.

    ``rows`` are dicts keyed by API field names holding the raw cell values (only columns the
    file has); ``row_numbers[i]`` is the sheet row of ``rows[i]`` as Excel numbers it (or the
    CSV record number). ``issues`` are layout problems (e.g. a column given twice).
    ``fatal`` is set when the file could not be read at all; ``rows`` is then empty.
    ``column_names`` maps each field read to its header text in the file; ``ignored_columns``
    lists headers that were not recognised and so not read.
    """

    rows: list[dict] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    fatal: FileProblem | None = None
    column_names: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    header_row: int | None = None


def _refused(message_template: str, **params: object) -> ParsedUpload:
    return ParsedUpload(fatal=FileProblem(message_template, params))


def read_results_upload(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES,
) -> ParsedUpload:
    """Read a results file (.xlsx, or .csv in UTF-8, UTF-8 with BOM or GB18030).

    The format is decided by the content (an .xlsx is a zip), the file name only telling a CSV
    from other text. The header row is the first of the top ``HEADER_SEARCH_ROWS`` rows naming
    both 姓名 and 身份证号; rows above it (titles) and blank rows are skipped; at most
    ``max_rows`` data rows are accepted. Never raises for a bad file.
    """
    if not data:
        return _refused(N_("文件是空的"))
    if len(data) > max_bytes:
        return _refused(N_("文件超过%(limit_mb)s MB的上限，请分批上传"), limit_mb=_mebibytes(max_bytes))
    extension = PurePath(filename or "").suffix.lower()
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, max_rows=max_rows, max_unpacked_bytes=max_unpacked_bytes)
    if data.startswith(OLE_MAGIC):
        return _refused(N_("不支持旧版Excel（.xls）或WPS（.et）文件，请另存为.xlsx后上传"))
    if extension in XLSX_EXTENSIONS:
        return _refused(N_("文件不是有效的.xlsx表格（可能已损坏，或只是改了扩展名）"))
    if extension in CSV_EXTENSIONS:
        return _read_csv(data, max_rows=max_rows)
    return _refused(N_("只能上传.xlsx或.csv格式的成绩表"))


def validate_upload(parsed: ParsedUpload, *, practical_only: bool,
                    bases: Collection[int] | None = None) -> tuple[list[ResultInput], list[Issue]]:
    """Validate what ``read_results_upload`` read, reporting sheet rows and the file's headers.

    All or nothing like ``validate_results``: layout issues and value issues come back together,
    and no results are returned while there is any issue. A refused file (``parsed.fatal``) must
    be reported by the caller before calling this. ``bases`` is as for ``validate_results``.
    """
    if parsed.fatal is not None:
        raise ValueError("the upload was refused; report parsed.fatal instead")
    results, issues = validate_results(
        parsed.rows,
        practical_only=practical_only,
        row_numbers=parsed.row_numbers,
        column_names=parsed.column_names,
        bases=bases,
    )
    if parsed.issues:
        return [], parsed.issues + issues
    return results, issues


# --- .xlsx ---------------------------------------------------------------------------------


def _read_xlsx(data: bytes, *, max_rows: int, max_unpacked_bytes: int) -> ParsedUpload:
    refusal = _archive_refusal(data, max_unpacked_bytes)
    if refusal is not None:
        return refusal
    if not _openpyxl_parses_with_defusedxml():
        return _refused(N_("服务器未启用安全的XML解析（defusedxml），暂不能读取.xlsx文件，请联系管理员"))
    workbook = None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return _read_first_results_sheet(workbook, max_rows)
    except Exception as error:  # noqa: BLE001 - any parser failure is a bad file, never a crash
        if _caused_by(error, defusedxml.DefusedXmlException):
            return _refused(N_("文件含有不允许的XML实体声明，已拒绝读取"))
        return _refused(N_("文件已损坏或不是有效的.xlsx表格，无法读取"))
    finally:
        if workbook is not None:
            workbook.close()


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``error`` or an exception it was raised from is a ``kind``.

    openpyxl re-raises parser errors as a plain ValueError ``from`` the original one.
    """
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, kind):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def _archive_refusal(data: bytes, max_unpacked_bytes: int) -> ParsedUpload | None:
    """Refuse a zip that is not an .xlsx or would unpack to too much, from its directory alone."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            is_ods = "mimetype" in names and archive.read("mimetype").startswith(ODS_MIMETYPE)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, KeyError, OSError,
            NotImplementedError):  # e.g. an entry claiming a zip version or compression Python lacks
        return _refused(N_("文件已损坏或不是有效的.xlsx表格，无法读取"))
    if is_ods:
        return _refused(N_("不支持OpenDocument（.ods）文件，请另存为.xlsx后上传"))
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return _refused(N_("文件不是有效的.xlsx表格（可能已损坏，或只是改了扩展名）"))
    unpacked_bytes = sum(entry.file_size for entry in entries)
    too_compressed = any(
        entry.file_size >= RATIO_CHECKED_FROM_BYTES
        and entry.file_size > MAX_COMPRESSION_RATIO * max(entry.compress_size, 1)
        for entry in entries
    )
    if len(entries) > MAX_ZIP_ENTRIES or unpacked_bytes > max_unpacked_bytes or too_compressed:
        return _refused(N_("文件解压后过大或压缩比异常（解压上限%(limit_mb)s MB），疑似压缩炸弹，已拒绝读取"),
                        limit_mb=_mebibytes(max_unpacked_bytes))
    return None


def _openpyxl_parses_with_defusedxml() -> bool:
    # openpyxl picks its XML parser at import time: defusedxml's when it is installed, unless
    # OPENPYXL_DEFUSEDXML=False. Worksheets and shared strings go through this iterparse.
    return openpyxl.DEFUSEDXML and openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml")


def _read_first_results_sheet(workbook, max_rows: int) -> ParsedUpload:
    """Read the first worksheet that has a header row (an instructions sheet may come first)."""
    for worksheet in workbook.worksheets:
        # Some generators write a wrong <dimension>; without it openpyxl reads what is there.
        worksheet.reset_dimensions()
        rows = worksheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        parsed = _parse_table(rows, max_rows)
        if parsed.fatal != _NO_HEADER:
            return parsed
    return ParsedUpload(fatal=_NO_HEADER)


# --- .csv ----------------------------------------------------------------------------------


def _read_csv(data: bytes, *, max_rows: int) -> ParsedUpload:
    text = _decode_csv(data)
    if text is None:
        return _refused(N_("无法识别CSV文件的编码，请另存为“CSV UTF-8”或GB18030（GBK）编码后上传"))
    try:
        return _parse_table(csv.reader(io.StringIO(text, newline="")), max_rows)
    except csv.Error:
        return _refused(N_("CSV文件格式有误，无法读取"))


def _decode_csv(data: bytes) -> str | None:
    """Decode as UTF-8 (with or without BOM), else GB18030; ``None`` if neither fits."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [(data[len(codecs.BOM_UTF8):], "utf-8")]
    else:
        candidates = [(data, "utf-8"), (data, "gb18030")]
    for payload, encoding in candidates:
        try:
            text = payload.decode(encoding)
        except UnicodeDecodeError:
            continue
        # UTF-16 text without a BOM decodes "fine" as UTF-8, full of NULs.
        if "\x00" not in text:
            return text
    return None


# --- the table: header, rows ---------------------------------------------------------------

_NO_HEADER = FileProblem(N_("未找到表头：前%(rows)d行中没有同时含“姓名”和“身份证号”的一行"),
                         {"rows": HEADER_SEARCH_ROWS})


@dataclass
class _Header:
    row: int
    columns: dict[str, int]  # field -> 0-based column index
    column_names: dict[str, str]
    ignored_columns: list[str]
    issues: list[Issue]


def _parse_table(rows: Iterable[Sequence[object]], max_rows: int) -> ParsedUpload:
    """Find the header among the first rows of ``rows``, then read the data rows below it."""
    numbered_rows: Iterator[tuple[int, Sequence[object]]] = enumerate(rows, start=1)
    header = None
    for row_number, cells in numbered_rows:
        header = _header_in(row_number, cells)
        if header is not None or row_number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        return ParsedUpload(fatal=_NO_HEADER)

    parsed = ParsedUpload(
        issues=header.issues,
        column_names=header.column_names,
        ignored_columns=header.ignored_columns,
        header_row=header.row,
    )
    columns = list(header.columns.items())
    for row_number, cells in numbered_rows:
        values = {name: _cell_value(cells, index) for name, index in columns}
        if all(value is None for value in values.values()):
            continue  # blank line, or only a pre-filled 序号
        if len(parsed.rows) == max_rows:
            return _refused(N_("数据超过%(limit)d行的上限，请分批上传"), limit=max_rows)
        parsed.rows.append(values)
        parsed.row_numbers.append(row_number)
    if not parsed.rows:
        return _refused(N_("表头下面没有成绩数据"))
    return parsed


def _header_in(row_number: int, cells: Sequence[object]) -> _Header | None:
    """The header described by this row, or ``None`` if the row is not a header."""
    fields_found = {
        _ALIAS_TO_FIELD.get(_header_key(cell)) for cell in cells if isinstance(cell, str)
    }
    if not all(name in fields_found for name in REQUIRED_HEADER_FIELDS):
        return None
    header = _Header(row=row_number, columns={}, column_names={}, ignored_columns=[], issues=[])
    for index, cell in enumerate(cells):
        if cell is None:
            continue
        text = str(cell).strip()
        key = _header_key(text)
        field_name = _ALIAS_TO_FIELD.get(key)
        if field_name is None:
            if key and key not in IGNORED_HEADERS:
                header.ignored_columns.append(text)
        elif field_name in header.columns:
            header.issues.append(Issue(
                row_number, field_name, N_("与“%(other)s”列重复，请删除其中一列"),
                {"other": header.column_names[field_name]}, text,
            ))
        else:
            header.columns[field_name] = index
            header.column_names[field_name] = text
    return header


def _header_key(text: object) -> str:
    key = unicodedata.normalize("NFKC", str(text))
    key = _WHITESPACE.sub("", key).strip("*")
    return _BRACKETED_NOTE.sub("", key).lower()


def _cell_value(cells: Sequence[object], index: int) -> object:
    """The raw cell value, text trimmed; blank text becomes ``None``."""
    value = cells[index] if index < len(cells) else None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --- writing -------------------------------------------------------------------------------


def neutralise_cell(value: object) -> object:
    """Make a text cell safe from formula injection (CSV/DDE injection).

    Text starting with = + - @ tab or CR would be run as a formula by a spreadsheet (and
    openpyxl itself stores text starting with "=" as a formula), so it gets a leading single
    quote and stays text. Other values are returned unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_xlsx(sheet_title: str, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """An .xlsx (as bytes) with one sheet: a header row, then ``rows``; every text cell neutralised.

    Values may be str, int, float, Decimal, bool, date/datetime or None. Written in openpyxl's
    write-only mode, so memory stays flat for long lists.
    """
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_safe_sheet_title(sheet_title))
    sheet.append([neutralise_cell(header) for header in headers])
    for row in rows:
        sheet.append([neutralise_cell(value) for value in row])
    return _workbook_bytes(workbook)


_TEMPLATE_DATA_ROWS = 2000  # rows given drop-down lists
_TEMPLATE_CHOICES = {
    "local": '"是,否"',
    "group": '"职工组,学生组"',
    "medal": '"金牌,银牌,铜牌,优胜奖"',
}
# File content rather than UI messages: the template is a Chinese form (its headers must stay
# Chinese for the reader), so these lines are not marked for translation.
_TEMPLATE_INSTRUCTIONS = (
    "填写说明",
    "1. 第一行为表头，请勿修改表头文字；表头上方可以加标题行。",
    "2. 身份证号须为18位，末位可为X；该列已设为文本格式，请勿改为数字，否则末几位会丢失。",
    "3. 是否本地填“是”或“否”；组别填“职工组”或“学生组”，不分组可不填。",
    "4. 成绩为0到100的数，最多两位小数；仅考实操的赛项可不填理论成绩。",
    "5. 名次：由系统按成绩排名时不填；填写则须每行都填。同一团队的成员名次相同。",
    "6. 奖牌填金牌、银牌、铜牌或优胜奖，可不填。集训基地填基地编号，可不填。",
    "7. 序号列不导入；总成绩由系统按权重计算，填写仅供核对。",
)


def results_template_xlsx() -> bytes:
    """The results template organisers download: headers, text-formatted ID column, drop-downs.

    The first sheet is the one to fill in; a second sheet holds the instructions.
    """
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "成绩表"
    sheet.append(list(TEMPLATE_HEADERS))
    sheet.freeze_panes = "A2"
    letter_of = {
        field_name: get_column_letter(TEMPLATE_HEADERS.index(aliases[0]) + 1)
        for field_name, aliases in HEADER_ALIASES.items()
    }
    # Excel turns 18 typed digits into a float and loses the last three; text format keeps them.
    sheet.column_dimensions[letter_of["id_number"]].number_format = "@"
    last_row = _TEMPLATE_DATA_ROWS + 1
    for field_name, choices in _TEMPLATE_CHOICES.items():
        validation = DataValidation(type="list", formula1=choices, allow_blank=True)
        validation.add(f"{letter_of[field_name]}2:{letter_of[field_name]}{last_row}")
        sheet.add_data_validation(validation)
    for letter, width in ((letter_of["id_number"], 22), (letter_of["employer"], 30), (letter_of["team"], 16)):
        sheet.column_dimensions[letter].width = width

    instructions = workbook.create_sheet("填写说明")
    for line in _TEMPLATE_INSTRUCTIONS:
        instructions.append([line])
    instructions.column_dimensions["A"].width = 100
    return _workbook_bytes(workbook)


def _workbook_bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_SHEET_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
_SHEET_TITLE_MAX_LENGTH = 31


def _safe_sheet_title(title: str) -> str:
    """Excel's sheet-name rules: at most 31 characters, none of \\ / * ? : [ ]."""
    cleaned = _SHEET_TITLE_FORBIDDEN.sub("_", title).strip("'")[:_SHEET_TITLE_MAX_LENGTH]
    return cleaned or "Sheet1"


def _mebibytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
