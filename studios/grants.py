"""One-time grants due to a studio, base or station under its jurisdiction's policy document.

Plain functions over plain data, no Flask or database import:

    grants = grants_due(studio, load_policies())

A document's grants are listed in its ``[[studio_grants]]`` (kind, level, amount, whether only a
new studio qualifies, and conditions staff must check that the facts do not record).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from bureau.policies.model import PolicyDocument, StudioKind, StudioLevel, yuan
from bureau.text import N_

__all__ = ["StudioFacts", "Grant", "grants_due"]


@dataclass(frozen=True, kw_only=True)
class StudioFacts:
    """A studio (技能大师工作室), public training base, technician station or competition base.

    ``jurisdiction_policy`` is the code of the document that governs it (e.g. ``wenzhou-2018``);
    ``is_new``: newly established or recognised, and not yet given its one-time grant.
    """

    id: int
    name: str
    kind: StudioKind
    level: StudioLevel
    jurisdiction_policy: str
    established: date
    is_new: bool


@dataclass(frozen=True, kw_only=True)
class Grant:
    """A one-time grant due. ``kind`` is the grant's key in the document (e.g.
    ``master_studio_city``). ``amount_basis`` ``at_least`` means the document sets a floor
    (不少于) and ``amount`` is that floor; ``conditions`` are for staff to confirm."""

    kind: str
    amount: int
    policy: str
    clause: str
    rule: str
    amount_basis: Literal["fixed", "at_least"] = "fixed"
    payee: str = ""
    conditions: tuple[str, ...] = ()


def grants_due(studio: StudioFacts, policies: Mapping[str, PolicyDocument] | PolicyDocument) -> list[Grant]:
    """The one-time grants the studio's document gives for its kind and level.

    None when the studio was established outside the document's period, or is not new where
    the document grants only new ones. ``policies`` may be the loaded mapping or one document
    (e.g. a what-if copy).
    """
    document = policies if isinstance(policies, PolicyDocument) else policies[studio.jurisdiction_policy]
    if not document.covers_date(studio.established):
        return []
    grants = []
    for rule in document.studio_grants:
        if rule.kind != studio.kind or rule.level != studio.level or (rule.requires_new and not studio.is_new):
            continue
        template = N_("{label}：不少于{amount}（按下限预列）") if rule.amount_basis == "at_least" else N_("{label}：{amount}")
        grants.append(Grant(
            kind=rule.key,
            amount=rule.amount,
            policy=document.code,
            clause=rule.clause.citation,
            rule=template.format(label=rule.label, amount=yuan(rule.amount)),
            amount_basis=rule.amount_basis,
            payee=rule.payee,
            conditions=rule.conditions,
        ))
    return grants
