"""Two clerks pressing "load from policy" at the same moment: the database, not luck, keeps each
target once (PostgreSQL; SQLite serialises writers anyway)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from bureau.dashboard import operations
from bureau.dashboard.metrics import plan_policy_targets
from bureau.dashboard.models import Target
from bureau.db import db
from bureau.policies import load_policies
from tests.conftest import ON_POSTGRES


@pytest.mark.skipif(not ON_POSTGRES, reason="concurrent writers need PostgreSQL")
def test_six_clerks_loading_the_same_document_at_once_store_its_targets_once(app):
    document = load_policies()["fujian-2023"]
    expected = len(plan_policy_targets(document, 2023)[0])
    barrier = threading.Barrier(6)
    added: list[int] = []
    errors: list[BaseException] = []

    def clerk() -> None:
        try:
            with app.app_context():
                barrier.wait()
                new, _present, _skipped = operations.load_policy_targets(document, 2023)
                db.session.commit()
                added.append(len(new))
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=clerk) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(added) == expected
    assert db.session.scalar(select(func.count(Target.id))) == expected
