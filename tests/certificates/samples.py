"""Sample certificates of every kind, worded as the issuing code would word them."""

from dataclasses import replace
from datetime import date

from bureau.certificates.render import CertificateData
from bureau.certificates.serials import new_serial

ISSUER = "温州市人力资源和社会保障局"
VERIFY_BASE = "https://zs.rsj.wenzhou.gov.cn/verify/"

_KIND_FIELDS = {
    "skill_level": dict(
        title_line="高级工（三级）",
        body_lines=("经2026年温州市职业技能大赛评价，理论知识与操作技能考核合格，", "认定其职业技能等级为"),
        particulars=(("职业（工种）", "电工"), ("评价方式", "职业技能竞赛")),
    ),
    "title": dict(
        title_line="温州市技术能手",
        body_lines=("在2026年温州市职业技能大赛电工项目（职工组）中荣获第一名，", "被授予"),
    ),
    "prize": dict(
        title_line="第一名　金牌",
        body_lines=("在2026年温州市职业技能大赛电工项目（职工组）中荣获",),
    ),
    "excellent_studio": dict(
        holder_name="温州市瓯海区张晓明数控技能大师工作室",
        id_number_masked="",
        title_line="优秀技能大师工作室",
        body_lines=("在2025年度温州市技能大师工作室考评中成绩突出，", "被评为"),
        particulars=(("领办人", "张晓明"),),
    ),
}

KINDS = tuple(_KIND_FIELDS)


def make_certificate(kind: str, **changes) -> CertificateData:
    """A certificate of ``kind`` with a fresh serial; ``changes`` override any field."""
    serial = new_serial(2026, kind)
    fields = dict(
        serial=serial,
        kind=kind,
        holder_name="张晓明",
        id_number_masked="330302********1234",
        issuer=ISSUER,
        issued_on=date(2026, 11, 21),
        verify_url=VERIFY_BASE + serial,
    )
    fields.update(_KIND_FIELDS[kind])
    return replace(CertificateData(**fields), **changes)


# --- the longest texts the forms accept ----------------------------------------------------------

# Full-width characters with many strokes, Latin as wide as it gets (M, W) between CJK, and
# Latin words that wrap whole.
CJK_WIDE = "瓯疆鑫赢鼎馨巍麟蠡戆"
MIXED_LATIN = "WorldSkills温州MW"
SPACED_WORDS = "Wenzhou International WorldSkills 温州 "
LETTERS = {"cjk": CJK_WIDE, "mixed": MIXED_LATIN, "spaced": SPACED_WORDS}


def form_limits() -> dict[str, int]:
    """Longest value of each text a certificate prints, as the models (and so the forms) allow."""
    from bureau.accounts.models import User
    from competition.models import Competition, Result
    from studios.models import Studio

    def length(column) -> int:
        return column.property.columns[0].type.length

    return {"competition": length(Competition.name), "occupation": length(Competition.occupation),
            "person": length(Result.name), "studio": length(Studio.name),
            "jurisdiction": length(Studio.jurisdiction), "lead": length(User.display_name)}


def filled(length: int, letters: str) -> str:
    return (letters * (length // len(letters) + 1))[:length]


def long_certificate(kind: str, letters: str, scale: float = 1.0, *, holder_scale: float | None = None,
                     **changes) -> CertificateData:
    """A certificate of ``kind`` worded as ``operations`` words it, every variable text ``scale`` ×
    its longest (the holder's name ``holder_scale`` ×, default ``scale``), written in ``letters``."""
    limits = form_limits()

    def text(limit: str, part_scale: float = scale) -> str:
        return filled(max(1, round(limits[limit] * part_scale)), letters)

    holder = holder_scale if holder_scale is not None else scale
    occupation = text("occupation")[::-1]
    phrase = f"{text('competition')}{occupation}项目（职工组）"
    place = "第九十九名　优胜奖"
    if kind == "title":
        fields = dict(holder_name=text("person", holder), title_line="温州市技术能手",
                      body_lines=(f"在{phrase}中荣获{place}，", "被授予"))
    elif kind == "prize":
        fields = dict(holder_name=text("person", holder), title_line=place, body_lines=(f"在{phrase}中荣获",))
    elif kind == "skill_level":
        fields = dict(holder_name=text("person", holder), title_line="高级技师（一级）",
                      body_lines=(f"经{text('competition')}评价，理论知识与操作技能考核合格，", "认定其职业技能等级为"),
                      particulars=(("职业（工种）", occupation), ("评价方式", "职业技能竞赛")))
    else:
        fields = dict(holder_name=text("studio", holder), id_number_masked="", title_line="优秀技能大师工作室",
                      body_lines=(f"在2025年度{text('jurisdiction')}技能大师工作室考评中成绩突出，", "被评为"),
                      particulars=(("领办人", text("lead")),))
    return make_certificate(kind, **{**fields, **changes})
