"""The floor for bench/load.py: a bare Flask endpoint, served by gunicorn exactly like the app.

``gunicorn bench.bare_app:app`` answers GET / with a short fixed page: no database, no templates,
no session, no access checks. What the app costs above this is the app's own work.
"""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "<!doctype html><title>ok</title><p>ok</p>"
