"""Translation catalogue upkeep: ``flask --app wsgi translations update|compile``.

Chinese is the source language (msgids are Chinese); ``translations/en`` is the English catalogue.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from bureau.config import PROJECT_ROOT

TRANSLATIONS = Path(__file__).parent / "translations"
KEYWORDS = ["-k", "N_", "-k", "_l", "-k", "lazy_gettext"]

translations = click.Group("translations", help="Extract, update and compile the message catalogues.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=PROJECT_ROOT)


@translations.command("update")
def update() -> None:
    """Extract marked strings and merge them into the English catalogue."""
    pot = TRANSLATIONS / "messages.pot"
    _pybabel("extract", "-F", str(TRANSLATIONS / "babel.cfg"), *KEYWORDS, "--no-location", "--sort-output",
             "-o", str(pot), ".")
    po = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
    if po.exists():
        _pybabel("update", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en", "--no-fuzzy-matching")
    else:
        _pybabel("init", "-i", str(pot), "-d", str(TRANSLATIONS), "-l", "en")


@translations.command("compile")
def compile_catalogues() -> None:
    """Compile .po to .mo (the run and test commands do this)."""
    _pybabel("compile", "-d", str(TRANSLATIONS))
