"""Contestants sent per region per selection contest, against a per-region quota (plain rules).

Fujian's work plan (闽人社办〔2023〕73号, annex) lets each region send up to 5 contestants to
each national selection contest (国赛省级选拔赛) and gives each region its figure (福州 5,
漳州「4人以上」…, 平潭「/」). Our results do not record a contestant's region, so we derive it:

Reading chosen: the region is the prefecture of the **address code** of the ID number (GB 11643:
digits 1–4 are the prefecture, 1–6 the county) — 3501 福州市, 3502 厦门市 … 3509 宁德市, named
by the administrative-division table (``bureau.divisions``) — and the county code 350128 (平潭县,
now 平潭综合实验区) as 平潭, which the annex lists on its own. The
address code is where the number was first issued (usually the birthplace), not where the
person works or lives now; the annex's 「其中省属单位选手可纳入所在地」 (contestants of
provincial units count for the place they work in) cannot be followed from our data, and such
contestants count for the region of their ID number. Numbers outside Fujian count as 省外.

A region's figure is read as the number it should send (a floor where the annex says 「以上」);
the header's 5 is the most any region may send to one contest. A contest's whole field is held
against the 30–80 contestants the plan sets for each event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bureau import divisions
from bureau.policies.model import PolicyDocument
from bureau.text import N_

PROVINCE = "福建省"  # the annex's regions are its prefectures, named as in bureau.divisions
# Counties listed apart from their prefecture in the annex, under the annex's own label.
SEPARATE_COUNTIES = {"350128": "平潭"}
OUTSIDE = "outside"
UNKNOWN = "unknown"
SPECIAL_REGION_LABELS = {OUTSIDE: N_("省外"), UNKNOWN: N_("无法识别")}
ADDRESS_CODE_LENGTH = 6


def region_of(address_code: str) -> str:
    """The region of an ID number from its first six digits: a region name of the annex,
    ``OUTSIDE`` (not a Fujian number) or ``UNKNOWN`` (not an address code)."""
    code = (address_code or "")[:ADDRESS_CODE_LENGTH]
    if len(code) < 4 or not code.isdigit():
        return UNKNOWN
    if code in SEPARATE_COUNTIES:
        return SEPARATE_COUNTIES[code]
    province = divisions.resolve(PROVINCE)
    if not code.startswith(province.code[:2]):
        return OUTSIDE
    prefecture = divisions.prefecture_of(code)
    return prefecture.name if prefecture is not None else UNKNOWN


@dataclass(frozen=True)
class Contest:
    id: int
    name: str


@dataclass(frozen=True)
class QuotaCell:
    sent: int
    minimum: int | None
    maximum: int | None
    status: str  # met | short | over | none (no quota for this row)


@dataclass(frozen=True)
class QuotaRow:
    region: str  # a region name, or OUTSIDE / UNKNOWN
    quota: int | None
    at_least: bool
    cells: tuple[QuotaCell, ...]
    total: int
    short: int  # contests this region sent fewer to than its figure


@dataclass(frozen=True)
class ContestTotal:
    sent: int
    status: str  # met | short | over | none


@dataclass(frozen=True)
class QuotaTable:
    document_code: str
    jurisdiction: str
    citation: str
    contests: tuple[Contest, ...]
    rows: tuple[QuotaRow, ...]
    totals: tuple[ContestTotal, ...]
    per_event_max: int | None
    size_min: int | None
    size_max: int | None

    @property
    def regions_short(self) -> int:
        return sum(1 for row in self.rows if row.short)


def quota_document(document: PolicyDocument) -> bool:
    """Whether the document has a per-region quota of contestants per event."""
    return any(PER_EVENT in row.values for row in document.region_targets)


PER_EVENT = "contestants_per_event"
CONTEST_SIZE = "contestants_per_selection_event"


def _cell_status(sent: int, minimum: int | None, maximum: int | None) -> str:
    if minimum is None:
        return "none"
    if maximum is not None and sent > maximum:
        return "over"
    return "met" if sent >= minimum else "short"


def quota_table(document: PolicyDocument, contests: Sequence[Contest], sent: Mapping[tuple[int, str], int],
                only_region: str | None = None) -> QuotaTable:
    """The table of contestants sent: one row per region of the document's annex (or only
    ``only_region``), one column per contest; ``sent`` maps (contest id, region) to a count."""
    header = next((t for t in document.targets if t.key == PER_EVENT), None)
    size = next((t for t in document.targets if t.key == CONTEST_SIZE), None)
    per_event_max = int(header.value) if header is not None and header.value is not None else None
    rows = []
    regions = [row for row in document.region_targets if only_region in (None, row.region)]
    listed = {row.region for row in document.region_targets}
    for region in regions:
        quota = region.values.get(PER_EVENT)
        minimum = int(quota) if quota is not None else None
        maximum = None if minimum is None or per_event_max is None else max(per_event_max, minimum)
        cells = tuple(QuotaCell(n, minimum, maximum, _cell_status(n, minimum, maximum))
                      for n in (sent.get((contest.id, region.region), 0) for contest in contests))
        rows.append(QuotaRow(region.region, minimum, PER_EVENT in region.at_least, cells,
                             sum(cell.sent for cell in cells), sum(1 for cell in cells if cell.status == "short")))
    if only_region is None:
        others = sorted({region for (_id, region) in sent if region not in listed},
                        key=lambda region: (region == UNKNOWN, region))
        for region in others:
            cells = tuple(QuotaCell(sent.get((contest.id, region), 0), None, None, "none") for contest in contests)
            rows.append(QuotaRow(region, None, False, cells, sum(cell.sent for cell in cells), 0))
    size_min = size.value_min if size is not None else None
    size_max = size.value_max if size is not None else None
    totals = []
    for contest in contests:
        count = sum(n for (contest_id, _region), n in sent.items() if contest_id == contest.id)
        if size_min is None:
            status = "none"
        elif size_max is not None and count > size_max:
            status = "over"
        else:
            status = "met" if count >= size_min else "short"
        totals.append(ContestTotal(count, status))
    return QuotaTable(document.code, document.jurisdiction, document.citation_name, tuple(contests), tuple(rows), tuple(totals),
                      per_event_max, int(size_min) if size_min is not None else None,
                      int(size_max) if size_max is not None else None)
