"""The rule modules stay plain Python: importing (and using) them loads no web or database layer."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WEB_OR_DATABASE = ("flask", "flask_babel", "flask_sqlalchemy", "sqlalchemy", "psycopg")


def web_or_database_modules_loaded(*modules: str, then: str = "") -> list[str]:
    """The web or database packages a fresh interpreter has loaded after importing ``modules``
    (and running ``then``, code that uses them); ``[]`` for plain rule modules."""
    code = (f"import sys, {', '.join(modules)}; {then + '; ' if then else ''}"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({WEB_OR_DATABASE!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT)
    return eval(done.stdout.strip())  # noqa: S307 (the list our own code printed)
