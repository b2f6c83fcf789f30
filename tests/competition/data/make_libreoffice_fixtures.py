"""Make the LibreOffice-written .xlsx fixtures in this folder (run once; the results are committed).

    apt-get install -y libreoffice-calc-nogui
    .venv/bin/python tests/competition/data/make_libreoffice_fixtures.py

Each fixture is a CSV written here and converted by ``soffice --headless --convert-to xlsx``, so
CI reads real LibreOffice output without needing LibreOffice. Made with LibreOffice 7.4 (Debian 12).
"""

import csv
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))
from tests.competition.ids import person_id  # noqa: E402

DATA = pathlib.Path(__file__).resolve().parent

# Title and subtitle above the header (header in row 3), Chinese header variants, a lower-case
# x check character, a decimal score. Column 3 (the ID) is imported as text.
TITLED_ROWS = [
    ["2026年温州市职业技能大赛成绩表"],
    ["赛项：数控车工", "", "", "日期：2026年5月"],
    ["序号", "姓名", "身份证号码", "单位", "是否本地", "组别", "理论", "操作技能成绩", "奖项"],
    ["1", "王小明", person_id(1), "温州机床厂", "是", "职工组", "85", "92.5", "金牌"],
    ["2", "李华", person_id(3).lower(), "瑞安职业技术学校", "否", "学生组", "78.25", "88", ""],
    ["3", "陈静", person_id(2), "温州电力公司", "Y", "职工", "90", "92.5", ""],
]

# The ID column left to LibreOffice's number detection, as happens when an organiser opens a
# CSV and saves it: the IDs become floats and lose their last digits.
NUMERIC_ID_ROWS = [
    ["姓名", "身份证号", "实操成绩"],
    ["赵六", person_id(4), "75"],
]

# CSV import filter: comma, double quote, UTF-8 (76), from line 1, column 3 as text (format 2).
TEXT_ID_FILTER = "CSV:44,34,76,1,3/2"
PLAIN_FILTER = "CSV:44,34,76,1"


def convert(rows: list[list[str]], name: str, infilter: str) -> None:
    with tempfile.TemporaryDirectory() as work:
        source = pathlib.Path(work) / f"{name}.csv"
        with source.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        subprocess.run(
            ["soffice", "--headless", f"-env:UserInstallation=file://{work}/profile",
             f"--infilter={infilter}", "--convert-to", "xlsx", "--outdir", work, str(source)],
            check=True,
        )
        shutil.copy(pathlib.Path(work) / f"{name}.xlsx", DATA / f"{name}.xlsx")


if __name__ == "__main__":
    convert(TITLED_ROWS, "libreoffice_titled", TEXT_ID_FILTER)
    convert(NUMERIC_ID_ROWS, "libreoffice_numeric_ids", PLAIN_FILTER)
