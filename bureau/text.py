"""Marking text for translation without importing Flask.

Plain-rule modules (ranking, validation, policy conversion) must not import Flask, yet their
messages are shown to users in Chinese or English. They mark message templates with ``N_`` so
``pybabel extract`` finds them; the web layer translates them at display time with ``gettext``.
"""


def N_(message: str) -> str:
    """Mark ``message`` for extraction; return it unchanged."""
    return message
