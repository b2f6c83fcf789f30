"""The schema comes from the migrations, and the migrations match the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from bureau.db import db


def test_models_and_migrations_agree(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_sqlite_enforces_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        with pytest.raises(DatabaseError):
            connection.execute(text("INSERT INTO api_token (user_id, token_hash, prefix, created_at) "
                                    "VALUES (999, 'x', 'x', CURRENT_TIMESTAMP)"))


def test_upgrade_runs_from_empty_and_downgrade_undoes_it(tmp_path):
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import inspect

    from bureau.app import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}"})
    with app.app_context():
        upgrade()
        assert "user_account" in inspect(db.engine).get_table_names()
        downgrade(revision="base")
        assert "user_account" not in inspect(db.engine).get_table_names()
        db.engine.dispose()
