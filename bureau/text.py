"""Text helpers without Flask: marking messages for translation, and text put on one line.

Plain-rule modules (ranking, validation, policy conversion) must not import Flask, yet their
messages are shown to users in Chinese or English. They mark message templates with ``N_`` so
``pybabel extract`` finds them; the web layer translates them at display time with ``gettext``.
"""
import unicodedata


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged."""
    return message


def one_line(text: str) -> str:
    """``text`` with line breaks and other control characters as single spaces, for a header.

    User text (a competition, studio or file name) reaches HTTP and e-mail headers: a line break
    there would start a header of its own, so Werkzeug and the e-mail library refuse it outright.
    """
    spaced = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    return " ".join(spaced.split())
