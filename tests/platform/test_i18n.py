"""The English catalogue is complete and consistent, and the pages follow the chosen language."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = PROJECT_ROOT / "bureau" / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
ENGLISH_MO = ENGLISH_PO.with_suffix(".mo")
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def _catalogue():
    with ENGLISH_PO.open("rb") as handle:
        return read_po(handle, locale="en")


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _forms(value) -> list[str]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    catalogue = _catalogue()
    messages = [message for message in catalogue if message.id]
    assert messages, "the English catalogue is empty"
    problems = []
    for message in messages:
        source = " ".join(_forms(message.id))
        wanted = set().union(*(_placeholders(form) for form in _forms(message.id)))
        if message.fuzzy:
            problems.append(f"fuzzy: {source}")
        for translation in _forms(message.string):
            if not (translation or "").strip():
                problems.append(f"untranslated: {source}")
            elif _placeholders(translation) != wanted:
                problems.append(f"placeholders differ: {source} -> {translation}")
    assert not problems, "\n".join(problems)


@pytest.fixture
def compiled_catalogue():
    if not ENGLISH_MO.exists() or ENGLISH_MO.stat().st_mtime < ENGLISH_PO.stat().st_mtime:
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile", "-d", str(TRANSLATIONS)],
                       check=True, cwd=PROJECT_ROOT, capture_output=True)
    return {message.id: message.string for message in _catalogue() if message.id}


def test_login_page_is_chinese_by_default(client, compiled_catalogue):
    page = client.get("/login").get_data(as_text=True)
    assert "登录" in page
    assert "用户名" in page


def test_login_page_follows_accept_language(client, compiled_catalogue):
    page = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert compiled_catalogue["登录"] in page
    assert compiled_catalogue["用户名"] in page
    assert "用户名" not in page


def test_lang_query_switches_to_english(client, compiled_catalogue):
    page = client.get("/login?lang=en").get_data(as_text=True)
    assert compiled_catalogue["登录"] in page
    assert "用户名" not in page
