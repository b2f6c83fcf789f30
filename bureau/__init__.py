"""The shared platform: app factory, database, accounts, audit log, API frame, certificates, scheduler.

Kept import-free so that plain-rule modules can use ``bureau.text`` without pulling in Flask.
"""
