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
