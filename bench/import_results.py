"""Time importing a 10,000-row results .xlsx against openpyxl's bare read of the same file.

Run from the project root:  .venv/bin/python -m bench.import_results
Aim: the whole import (parse, validate, rank, commit to the database with its audit entries) at
most 3× openpyxl's read-only, values-only parse, best of 3 each. The database is a SQLite file
in a temporary folder, its schema made by the migrations. The file is made with openpyxl from a fixed seed, so every run times the same
bytes: a title row, the template's headers, two groups, some teams.
"""

import datetime as dt
import io
import random
import time
from decimal import Decimal

import openpyxl

from bureau.idnumber import id_check_character
from competition.ranking import RankedResult, rank_results
from competition.spreadsheet import TEMPLATE_HEADERS, read_results_upload, validate_upload

ROWS = 10_000
ROUNDS = 3
AIM_RATIO = 3.0
TEAM_SHARE = 0.1
THEORY_WEIGHT = Decimal("0.3")
PASS_MARK = Decimal(60)


def results_xlsx(count: int, seed: int = 2026) -> bytes:
    rng = random.Random(seed)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("成绩表")
    sheet.append(["2026年温州市职业技能大赛成绩表"])
    sheet.append(list(TEMPLATE_HEADERS))
    first_birthday = dt.date(1970, 1, 1)
    for n in range(1, count + 1):
        birthday = first_birthday + dt.timedelta(days=n)
        body = f"330302{birthday:%Y%m%d}{n % 1000:03d}"
        team = f"队{n // 3}" if rng.random() < TEAM_SHARE else None
        sheet.append([
            n, f"选手{n}", body + id_check_character(body), f"温州第{n % 97}机械厂",
            rng.choice(["是", "否"]), "职工组" if n % 2 else "学生组", team,
            rng.randint(4000, 10000) / 100, rng.randint(4000, 10000) / 100,
            None, None, None, None,
        ])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_pipeline(data: bytes) -> list[RankedResult]:
    """Parse, validate and rank an uploaded results file.

    The hook for the web layer: the database write (replace the competition's results in one
    transaction) goes at the end, once it exists. Competition settings are fixed here.
    """
    parsed = read_results_upload("成绩.xlsx", data)
    if parsed.fatal is not None:
        raise ValueError(parsed.fatal.message)
    results, issues = validate_upload(parsed, practical_only=False)
    if issues:
        raise ValueError(f"{len(issues)} issues, first: row {issues[0].row} {issues[0].message}")
    return rank_results(results, theory_weight=THEORY_WEIGHT, practical_only=False, pass_mark=PASS_MARK)


class DatabaseImport:
    """The web layer's path: stage the upload (parse, validate, rank), then confirm it (commit)."""

    def __init__(self, folder: str):
        from flask_migrate import upgrade

        from bureau.app import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "SECRET_KEY": "bench"})
        with self.app.app_context():
            upgrade()
        self.rounds = 0

    def __call__(self, data: bytes) -> int:
        from bureau.accounts.models import Role
        from bureau.accounts.operations import create_user
        from bureau.db import db, transaction
        from competition import operations

        self.rounds += 1
        with self.app.app_context():
            with transaction():
                owner = create_user(f"bench{self.rounds}", Role.organiser.value, "Bench-passw0rd-42")
                competition = operations.create_competition(
                    {"name": f"基准{self.rounds}", "tier": "city", "category": 1, "year": 2026,
                     "policy": "wenzhou-2018"}, owner)
            with transaction():
                upload, parsed, issues = operations.stage_upload(competition, owner, "成绩.xlsx", data)
                assert upload is not None, issues[:3]
            with transaction():
                stored = operations.confirm_upload(competition, upload.token)
            db.session.remove()
        return len(stored)


def bare_openpyxl_parse(data: bytes) -> int:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def best_time(function, data: bytes) -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(data)
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> None:
    import tempfile

    data = results_xlsx(ROWS)
    ranked = import_pipeline(data)
    assert len(ranked) == ROWS
    bare = best_time(bare_openpyxl_parse, data)
    in_memory = best_time(import_pipeline, data)
    with tempfile.TemporaryDirectory() as folder:
        database_import = DatabaseImport(folder)
        assert database_import(data) == ROWS
        full = best_time(database_import, data)
    ratio = full / bare
    print(f"import_results: {ROWS} rows, {len(data) / 1024:.0f} KiB, best of {ROUNDS}")
    print(f"  openpyxl read-only values_only parse (floor): {bare:.3f} s")
    print(f"  parse + validate + rank, in memory:           {in_memory:.3f} s  ({in_memory / bare:.2f}×)")
    print(f"  parse + validate + rank + commit (SQLite):    {full:.3f} s  ({ratio:.2f}×)")
    print(f"  ratio {ratio:.2f}× (aim <= {AIM_RATIO:.0f}×) — {'OK' if ratio <= AIM_RATIO else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
