"""Policy documents as data: one TOML file per document, loaded and checked at start-up.

    policies = load_policies()                      # {code: PolicyDocument}, cached
    what_if = copy_with_changes(policies["wenzhou-2018"],
                                {"cash.national_1.bands[0].amount": 60000}, code="wenzhou-what-if")

Every file is checked against the schema below (hand-written, so errors read well); a problem
raises ``PolicyFileError`` naming the file and the entry, e.g.
``wenzhou-2018.toml: cash.national_1.bands[3]: 'amount' must be a positive integer``.
No Flask or database import here: the web layer calls ``load_policies`` at start-up.
"""

from __future__ import annotations

import copy
import functools
import re
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, NoReturn

from bureau.policies.model import (
    CATEGORIES,
    MEDALS,
    SKILL_LEVELS,
    STUDIO_KINDS,
    STUDIO_LEVELS,
    TIERS,
    AssessmentRule,
    BaseSubsidy,
    CashTable,
    Clause,
    Eligibility,
    HostingSubsidy,
    MedalPrize,
    OverlapRules,
    OverlapSeries,
    PolicyDocument,
    PrizeBand,
    RankRange,
    RegionTarget,
    SkillLevelRule,
    StudioGrant,
    Subsidy,
    Target,
    TitleRule,
    skill_level_index,
)

__all__ = [
    "POLICY_DIRECTORY",
    "PolicyFileError",
    "PolicyDocument",
    "load_policies",
    "clear_policy_cache",
    "parse_policy",
    "copy_with_changes",
]

POLICY_DIRECTORY = Path(__file__).resolve().parent


class PolicyFileError(ValueError):
    """A policy file that does not match the schema; names the file and the entry path."""

    def __init__(self, file: str, path: str, message: str) -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(f"{file}: {path}: {message}" if path else f"{file}: {message}")


# --- loading -------------------------------------------------------------------------------------


def load_policies(directory: Path | None = None) -> dict[str, PolicyDocument]:
    """All policy documents in ``directory`` (default: this package), keyed by code.

    Parsed once per directory and cached; each call returns a new dict over the same frozen
    documents, so callers may add what-if copies to it without touching the cache.
    """
    return dict(_load_directory((directory or POLICY_DIRECTORY).resolve()))


def clear_policy_cache() -> None:
    """Forget loaded documents (for tests, or after editing the files)."""
    _load_directory.cache_clear()


@functools.cache
def _load_directory(directory: Path) -> tuple[tuple[str, PolicyDocument], ...]:
    files = sorted(directory.glob("*.toml"))
    if not files:
        raise PolicyFileError(str(directory), "", "no policy files (*.toml) found")
    documents = [_read_file(path) for path in files]
    return tuple((document.code, document) for document in documents)


def _read_file(path: Path) -> PolicyDocument:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise PolicyFileError(path.name, "", f"not valid TOML: {error}") from None
    return parse_policy(raw, path.name, expected_code=path.stem)


def parse_policy(raw: Mapping[str, Any], file: str, *, expected_code: str | None = None) -> PolicyDocument:
    """Check ``raw`` (parsed TOML) against the schema and build the document.

    ``file`` is only used in error messages; ``expected_code`` (the file name's stem) must then
    equal the ``code`` inside.
    """
    root = _Entry(file, "", dict(raw))
    code = root.text("code")
    if expected_code is not None and code != expected_code:
        root.fail(f"'code' is {code!r} but the file is named {expected_code}.toml")
    short_name = root.text("short_name")
    document_number = root.text("document_number", required=False)
    citation = document_number or short_name
    overlap = _overlap(root.table("overlap", required=False), citation)
    series_keys = frozenset(overlap.series) if overlap else frozenset()
    targets = tuple(_target(entry, citation) for entry in root.tables("targets"))
    target_keys = frozenset(target.key for target in targets)
    document = PolicyDocument(
        code=code,
        title=root.text("title"),
        short_name=short_name,
        document_number=document_number,
        issuers=root.strings("issuers"),
        issued_on=root.day("issued_on"),
        effective_from=root.day("effective_from"),
        applies_from=root.day("applies_from"),
        valid_until=root.day("valid_until"),
        jurisdiction=root.text("jurisdiction"),
        source=root.text("source"),
        notes=root.strings("notes"),
        eligibility=_eligibility(root.table("eligibility"), citation),
        cash=tuple(_cash_table(name, entry, citation, overlap is not None, series_keys)
                   for name, entry in root.named_tables("cash")),
        titles=tuple(_title(entry, citation) for entry in root.tables("titles")),
        skill_levels=tuple(_skill_level(entry, citation) for entry in root.tables("skill_levels")),
        base_subsidies=tuple(_base_subsidy(entry, citation) for entry in root.tables("base_subsidies")),
        hosting_subsidies=tuple(_hosting(entry, citation) for entry in root.tables("hosting_subsidies")),
        studio_grants=tuple(_studio_grant(entry, citation) for entry in root.tables("studio_grants")),
        assessments=tuple(_assessment(entry, citation) for entry in root.tables("assessments")),
        overlap=overlap,
        subsidies=tuple(_subsidy(entry, citation, series_keys) for entry in root.tables("subsidies")),
        targets=targets,
        region_targets=tuple(_region_target(entry, target_keys) for entry in root.tables("region_targets")),
        raw=copy.deepcopy(dict(raw)),
    )
    ladder = root.table("skill_ladder", required=False)
    if ladder is not None:
        _check_ladder(ladder, citation)
    if document.effective_from and document.valid_until and document.valid_until < document.effective_from:
        root.fail("'valid_until' is before 'effective_from'")
    for list_name in ("titles", "skill_levels", "base_subsidies", "hosting_subsidies", "studio_grants",
                      "assessments", "subsidies", "targets"):
        _check_unique_keys(root, list_name, getattr(document, list_name))
    root.finish()
    return document


# --- what-if copies ------------------------------------------------------------------------------

_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def copy_with_changes(
    document: PolicyDocument, changes: Mapping[str, Any] | None = None, *, code: str | None = None
) -> PolicyDocument:
    """A checked copy of ``document`` with entries replaced, for what-if runs.

    ``changes`` maps entry paths, written as in error messages, to new values, e.g.
    ``{"cash.national_1.bands[7].amount": 20000, "eligibility.local_only": False}``;
    a value of None removes the entry. The copy is validated like a file, so a bad change
    raises ``PolicyFileError``. The original and the cache are untouched.
    """
    raw = copy.deepcopy(document.raw)
    for path, value in (changes or {}).items():
        _set_path(raw, path, value)
    if code is not None:
        raw["code"] = code
    return parse_policy(raw, f"{raw.get('code', document.code)} (copy of {document.code})")


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    tokens: list[str | int] = [name if name else int(index) for name, index in _PATH_TOKEN.findall(path)]
    if not tokens:
        raise KeyError(f"empty entry path {path!r}")
    container: Any = data
    for token in tokens[:-1]:
        try:
            container = container[token]
        except (KeyError, IndexError, TypeError):
            raise KeyError(f"{path}: no entry {token!r}") from None
    last = tokens[-1]
    if isinstance(container, list):
        if not isinstance(last, int) or last >= len(container):
            raise KeyError(f"{path}: no entry {last!r}")
    if value is None:
        del container[last]
    else:
        container[last] = value


# --- reading entries -----------------------------------------------------------------------------


class _Entry:
    """One TOML table being read, with its path in the file for error messages.

    Every key read is remembered, so ``finish`` can reject keys the schema does not know
    (a misspelt 'amout' must not silently drop an amount).
    """

    def __init__(self, file: str, path: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise PolicyFileError(file, path, "must be a table")
        self.file = file
        self.path = path
        self.data: dict[str, Any] = data
        self._read: set[str] = set()

    def fail(self, message: str) -> NoReturn:
        raise PolicyFileError(self.file, self.path, message)

    def _child_path(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def _get(self, key: str, required: bool) -> Any:
        self._read.add(key)
        if key not in self.data:
            if required:
                self.fail(f"'{key}' is required")
            return None
        return self.data[key]

    def text(self, key: str, *, required: bool = True) -> str:
        value = self._get(key, required)
        if value is None:
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"'{key}' must be a non-empty string")
        return value

    def positive_int(self, key: str, *, required: bool = True) -> int | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(f"'{key}' must be a positive integer")
        return value

    def number(self, key: str, *, required: bool = True) -> int | float | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            self.fail(f"'{key}' must be a non-negative number")
        return value

    def flag(self, key: str, *, default: bool) -> bool:
        value = self._get(key, False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(f"'{key}' must be true or false")
        return value

    def day(self, key: str, *, required: bool = False) -> date | None:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, datetime) or not isinstance(value, date):
            self.fail(f"'{key}' must be a date (YYYY-MM-DD)")
        return value

    def choice(self, key: str, options: tuple[Any, ...], *, required: bool = True) -> Any:
        value = self._get(key, required)
        if value is None:
            return None
        if isinstance(value, bool) or value not in options:
            self.fail(f"'{key}' must be one of {', '.join(map(str, options))}")
        return value

    def choices(self, key: str, options: tuple[Any, ...]) -> tuple[Any, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or any(isinstance(v, bool) or v not in options for v in value):
            self.fail(f"'{key}' must be a list of {', '.join(map(str, options))}")
        return tuple(value)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self._get(key, False)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail(f"'{key}' must be a list of non-empty strings")
        return tuple(value)

    def table(self, key: str, *, required: bool = True) -> _Entry | None:
        value = self._get(key, required)
        return None if value is None else _Entry(self.file, self._child_path(key), value)

    def tables(self, key: str) -> list[_Entry]:
        """An array of tables (``[[key]]``)."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(f"'{key}' must be an array of tables")
        return [_Entry(self.file, f"{self._child_path(key)}[{index}]", item) for index, item in enumerate(value)]

    def named_tables(self, key: str) -> list[tuple[str, _Entry]]:
        """A table of tables (``[key.name]``), in file order."""
        value = self._get(key, False)
        if value is None:
            return []
        if not isinstance(value, dict):
            self.fail(f"'{key}' must be a table of tables")
        return [(name, _Entry(self.file, f"{self._child_path(key)}.{name}", item)) for name, item in value.items()]

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._read)
        if unknown:
            self.fail(f"unknown key '{unknown[0]}'")


def _named(entry: _Entry) -> dict:
    """The fields every rule starts with: its key and its label."""
    return {"key": entry.text("key"), "label": entry.text("label")}


def _cited(entry: _Entry, citation: str) -> dict:
    """The fields every rule ends with: the clause it comes from and our reading of it, if any."""
    return {"clause": _clause(entry, citation), "reading": entry.text("reading", required=False)}


def _clause(entry: _Entry, citation: str, *, key: str = "clause", required: bool = True) -> Clause | None:
    table = entry.table(key, required=required)
    if table is None:
        return None
    clause = Clause(
        document=citation,
        section=table.text("section"),
        item=table.text("item", required=False),
        quote=table.text("quote"),
    )
    table.finish()
    return clause


def _places(entry: _Entry, key: str, *, required: bool) -> RankRange | None:
    table = entry.table(key, required=required)
    if table is None:
        return None
    places = RankRange(table.positive_int("from_rank"), table.positive_int("to_rank"))
    if places.to_rank < places.from_rank:
        table.fail("'to_rank' is before 'from_rank'")
    table.finish()
    return places


def _tiers(entry: _Entry) -> tuple[str, ...]:
    tiers = entry.choices("tiers", TIERS)
    if not tiers:
        entry.fail("'tiers' must list at least one tier")
    return tiers


def _eligibility(entry: _Entry, citation: str) -> Eligibility:
    local_only = entry.flag("local_only", default=False)
    eligibility = Eligibility(
        local_only=local_only,
        local_only_reason=entry.text("local_only_reason", required=local_only),
        team_payment=entry.choice("team_payment", ("per_member", "once_per_team")),
        team_all_local=entry.flag("team_all_local", default=True),
        clause=_clause(entry, citation, required=False),
        reading=entry.text("reading", required=False),
    )
    entry.finish()
    return eligibility


def _prize_bands(entry: _Entry) -> tuple[PrizeBand, ...]:
    bands = []
    for band_entry in entry.tables("bands"):
        band = PrizeBand(band_entry.positive_int("from_rank"), band_entry.positive_int("to_rank"),
                         band_entry.positive_int("amount"))
        if band.to_rank < band.from_rank:
            band_entry.fail("'to_rank' is before 'from_rank'")
        if bands and band.from_rank <= bands[-1].to_rank:
            band_entry.fail("bands must be in rank order and must not overlap")
        band_entry.finish()
        bands.append(band)
    return tuple(bands)


def _medal_prizes(entry: _Entry) -> tuple[MedalPrize, ...]:
    prizes = []
    for medal_entry in entry.tables("medals"):
        prize = MedalPrize(medal_entry.choice("medal", MEDALS), medal_entry.positive_int("amount"))
        if any(existing.medal == prize.medal for existing in prizes):
            medal_entry.fail(f"medal '{prize.medal}' is listed twice")
        medal_entry.finish()
        prizes.append(prize)
    return tuple(prizes)


def _cash_table(key: str, entry: _Entry, citation: str, has_overlap: bool, series_keys: frozenset[str]) -> CashTable:
    basis = entry.choice("basis", ("ranks", "medals", "competition_prizes"))
    table = CashTable(
        key=key,
        label=entry.text("label"),
        tiers=_tiers(entry),
        categories=entry.choices("categories", CATEGORIES),
        basis=basis,
        bands=_prize_bands(entry),
        medals=_medal_prizes(entry),
        series=entry.text("series", required=has_overlap) or None,
        **_cited(entry, citation),
    )
    if basis == "ranks" and not table.bands:
        entry.fail("'bands' is required when basis is 'ranks'")
    if basis == "medals" and not table.medals:
        entry.fail("'medals' is required when basis is 'medals'")
    if basis == "competition_prizes" and (table.bands or table.medals):
        entry.fail("a 'competition_prizes' table takes its amounts from the competition; remove 'bands'/'medals'")
    if basis != "ranks" and table.bands or basis != "medals" and table.medals:
        entry.fail(f"basis '{basis}' does not use the amounts listed")
    if table.series is not None and table.series not in series_keys:
        entry.fail(f"'series' {table.series!r} is not defined in [overlap.series]")
    entry.finish()
    return table


def _title(entry: _Entry, citation: str) -> TitleRule:
    conferral = entry.choice("conferral", ("automatic", "selection"))
    automatic = conferral == "automatic"
    rule = TitleRule(
        key=entry.text("key"),
        title=entry.text("title"),
        label=entry.text("label"),
        conferral=conferral,
        tiers=_tiers(entry) if automatic else entry.choices("tiers", TIERS),
        categories=entry.choices("categories", CATEGORIES),
        places=_places(entry, "places", required=automatic),
        local_only=entry.flag("local_only", default=False),
        amount=entry.positive_int("amount", required=False),
        annual_quota=entry.positive_int("annual_quota", required=False),
        conferred_by=entry.text("conferred_by", required=False),
        **_cited(entry, citation),
    )
    entry.finish()
    return rule


def _check_level(entry: _Entry, key: str, level: str) -> None:
    if level not in SKILL_LEVELS:
        entry.fail(f"'{key}' must be one of {', '.join(SKILL_LEVELS)}")


def _skill_level(entry: _Entry, citation: str) -> SkillLevelRule:
    rule = SkillLevelRule(
        **_named(entry),
        tiers=_tiers(entry),
        categories=entry.choices("categories", CATEGORIES),
        level=entry.text("level"),
        promotion_cap=entry.text("promotion_cap", required=False) or None,
        **_cited(entry, citation),
    )
    _check_level(entry, "level", rule.level)
    if rule.promotion_cap is not None:
        _check_level(entry, "promotion_cap", rule.promotion_cap)
        if skill_level_index(rule.promotion_cap) < skill_level_index(rule.level):
            entry.fail("'promotion_cap' is below 'level'")
    entry.finish()
    return rule


def _base_subsidy(entry: _Entry, citation: str) -> BaseSubsidy:
    rule = BaseSubsidy(
        **_named(entry),
        tier=entry.choice("tier", TIERS),
        places=_places(entry, "places", required=True),
        amount=entry.positive_int("amount"),
        **_cited(entry, citation),
    )
    entry.finish()
    return rule


def _hosting(entry: _Entry, citation: str) -> HostingSubsidy:
    rule = HostingSubsidy(
        **_named(entry),
        tiers=_tiers(entry),
        categories=entry.choices("categories", CATEGORIES),
        amount_min=entry.positive_int("amount_min", required=False),
        amount_max=entry.positive_int("amount_max"),
        **_cited(entry, citation),
    )
    if rule.amount_min is not None and rule.amount_min > rule.amount_max:
        entry.fail("'amount_min' is above 'amount_max'")
    entry.finish()
    return rule


def _studio_grant(entry: _Entry, citation: str) -> StudioGrant:
    grant = StudioGrant(
        **_named(entry),
        kind=entry.choice("kind", STUDIO_KINDS),
        level=entry.choice("level", STUDIO_LEVELS),
        amount=entry.positive_int("amount"),
        amount_basis=entry.choice("amount_basis", ("fixed", "at_least")),
        requires_new=entry.flag("requires_new", default=True),
        payee=entry.text("payee"),
        conditions=entry.strings("conditions"),
        **_cited(entry, citation),
    )
    entry.finish()
    return grant


def _assessment(entry: _Entry, citation: str) -> AssessmentRule:
    rule = AssessmentRule(
        **_named(entry),
        kind=entry.choice("kind", STUDIO_KINDS),
        level=entry.choice("level", STUDIO_LEVELS),
        excellent_max_percent=entry.positive_int("excellent_max_percent"),
        reward_max=entry.positive_int("reward_max"),
        **_cited(entry, citation),
    )
    if rule.excellent_max_percent > 100:
        entry.fail("'excellent_max_percent' must be at most 100")
    entry.finish()
    return rule


def _overlap(entry: _Entry | None, citation: str) -> OverlapRules | None:
    if entry is None:
        return None
    series = {}
    for key, series_entry in entry.named_tables("series"):
        series[key] = OverlapSeries(
            key=key,
            label=series_entry.text("label"),
            covers=series_entry.text("covers"),
            reading=series_entry.text("reading", required=False),
        )
        series_entry.finish()
    if not series:
        entry.fail("'series' must define at least one series")
    rules = OverlapRules(
        series=series,
        window_years=entry.positive_int("window_years"),
        top_up=entry.flag("top_up", default=False),
        **_cited(entry, citation),
    )
    entry.finish()
    return rules


def _subsidy(entry: _Entry, citation: str, series_keys: frozenset[str]) -> Subsidy:
    subsidy = Subsidy(
        **_named(entry),
        amount=entry.positive_int("amount", required=False),
        amount_min=entry.positive_int("amount_min", required=False),
        amount_max=entry.positive_int("amount_max", required=False),
        unit=entry.text("unit", required=False) or "元",
        series=entry.text("series", required=False) or None,
        **_cited(entry, citation),
    )
    if subsidy.amount is not None and (subsidy.amount_min is not None or subsidy.amount_max is not None):
        entry.fail("give either 'amount' or 'amount_min'/'amount_max', not both")
    if subsidy.amount_min and subsidy.amount_max and subsidy.amount_min > subsidy.amount_max:
        entry.fail("'amount_min' is above 'amount_max'")
    if subsidy.series is not None and subsidy.series not in series_keys:
        entry.fail(f"'series' {subsidy.series!r} is not defined in [overlap.series]")
    entry.finish()
    return subsidy


def _target(entry: _Entry, citation: str) -> Target:
    target = Target(
        **_named(entry),
        value=entry.number("value", required=False),
        value_min=entry.number("value_min", required=False),
        value_max=entry.number("value_max", required=False),
        unit=entry.text("unit"),
        period=entry.text("period"),
        **_cited(entry, citation),
    )
    if (target.value is None) == (target.value_min is None and target.value_max is None):
        entry.fail("give either 'value' or 'value_min'/'value_max'")
    entry.finish()
    return target


def _region_target(entry: _Entry, target_keys: frozenset[str]) -> RegionTarget:
    region = entry.text("region")
    values_entry = entry.table("values")
    values = {key: values_entry.number(key) for key in list(values_entry.data)}
    unknown = sorted(set(values) - target_keys)
    if unknown:
        values_entry.fail(f"'{unknown[0]}' is not a target key defined in [[targets]]")
    values_entry.finish()
    at_least = entry.strings("at_least")
    if set(at_least) - set(values):
        entry.fail("'at_least' names a value the row does not have")
    entry.finish()
    return RegionTarget(region=region, values=values, at_least=at_least)


def _check_ladder(entry: _Entry, citation: str) -> None:
    if entry.strings("levels") != SKILL_LEVELS:
        entry.fail(f"'levels' must be the national ladder {', '.join(SKILL_LEVELS)}")
    _clause(entry, citation)
    entry.finish()


def _check_unique_keys(root: _Entry, list_name: str, rules: tuple[Any, ...]) -> None:
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.key in seen:
            raise PolicyFileError(root.file, f"{list_name}[{index}]", f"'key' {rule.key!r} is used twice")
        seen.add(rule.key)
