"""Demo data for studios: Wenzhou's 25 master studios and 8 public training bases, their leads,
report windows, two earlier years of scored reports (for the charts), last year's assessments
published, and this year's reports (2026 when written) in every state. Idempotent: whatever
exists already is left alone. Years count from today, so the demo loads on any date.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select

from bureau.accounts import operations as accounts
from bureau.accounts.models import Role
from bureau.clock import local_today
from bureau.db import db, utcnow
from bureau.demo import demo_user
from bureau.idnumber import id_check_character
from studios import operations, queries
from studios.models import AnnualReport, ReportStatus, ReportWindow, Studio
from studios.report import clean_content
from studios.rubrics import load_rubric

CITY = "温州市"
POLICY = "wenzhou-2018"
# A fixed pattern that passes the password rules; the accounts exist to own studios, and only
# ``lead`` and ``lead2`` (bureau.demo.DEMO_USERS) are meant for logging in during a demo.
GENERATED_LEAD_PASSWORD = "Dashi-Wenzhou-{number:02d}!"

# (name, kind, level, jurisdiction, occupation, host employer, lead username or None, lead's name)
STUDIOS = [
    ("张明华数控技能大师工作室", "master_studio", "city", CITY, "数控车工", "温州瓯江机床有限公司", "lead", None),
    ("刘秀英电工技能大师工作室", "master_studio", "city", CITY, "电工", "国网温州供电公司", "lead2", None),
    ("陈建国模具技能大师工作室", "master_studio", "city", CITY, "模具工", "温州精诚模具有限公司", None, "陈建国"),
    ("王立群汽车维修技能大师工作室", "master_studio", "city", CITY, "汽车维修工", "温州交运集团", None, "王立群"),
    ("李春燕鞋类设计技能大师工作室", "master_studio", "city", CITY, "鞋类设计师", "温州红蜻蜓鞋业有限公司", None, "李春燕"),
    ("黄志强焊接技能大师工作室", "master_studio", "city", CITY, "焊工", "温州锅炉厂", None, "黄志强"),
    ("周海涛阀门装配技能大师工作室", "master_studio", "city", CITY, "阀门装配工", "永嘉县瓯北阀门有限公司", None, "周海涛"),
    ("吴晓东电气设备安装技能大师工作室", "master_studio", "city", CITY, "电气设备安装工", "乐清正泰电气有限公司", None, "吴晓东"),
    ("郑丽华服装制版技能大师工作室", "master_studio", "city", CITY, "服装制版师", "温州报喜鸟服饰有限公司", None, "郑丽华"),
    ("林国平眼镜制作技能大师工作室", "master_studio", "city", CITY, "眼镜定配工", "瓯海眼镜产业园", None, "林国平"),
    ("潘文斌钳工技能大师工作室", "master_studio", "city", CITY, "钳工", "瑞立集团瑞安汽车零部件有限公司", None, "潘文斌"),
    ("徐美玲中式烹调技能大师工作室", "master_studio", "city", CITY, "中式烹调师", "温州华侨饭店", None, "徐美玲"),
    ("孙伟锋低压电器技能大师工作室", "master_studio", "city", CITY, "低压电器装配工", "德力西电气有限公司", None, "孙伟锋"),
    ("朱建华工业机器人技能大师工作室", "master_studio", "city", CITY, "工业机器人系统运维员", "温州技师学院", None, "朱建华"),
    ("胡海燕美发技能大师工作室", "master_studio", "city", CITY, "美发师", "温州市美容美发协会", None, "胡海燕"),
    ("叶志远瓯塑技能大师工作室", "master_studio", "city", CITY, "工艺美术品制作工", "温州市工艺美术研究所", None, "叶志远"),
    ("蔡明亮汽车钣金技能大师工作室", "master_studio", "city", CITY, "汽车维修工（钣金）", "温州宝龙汽车服务有限公司", None, "蔡明亮"),
    ("金晓峰泵阀铸造技能大师工作室", "master_studio", "city", CITY, "铸造工", "浙江超达阀门股份有限公司", None, "金晓峰"),
    ("施红霞育婴技能大师工作室", "master_studio", "city", CITY, "育婴员", "温州市妇幼保健院", None, "施红霞"),
    ("谢立新网络运维技能大师工作室", "master_studio", "city", CITY, "信息通信网络运行管理员", "中国电信温州分公司", None, "谢立新"),
    ("温州市鹿城区电工技能大师工作室", "master_studio", "county", "温州市鹿城区", "电工", "鹿城区职业技术学校", None, "郭振宇"),
    ("温州市龙湾区数控技能大师工作室", "master_studio", "county", "温州市龙湾区", "数控铣工", "龙湾区永中街道工业园", None, "马俊杰"),
    ("董建平印刷技能大师工作室", "master_studio", "provincial", CITY, "印刷操作员", "苍南县龙港印刷有限公司", None, "董建平"),
    ("曹丽君中药炮制技能大师工作室", "master_studio", "provincial", CITY, "中药炮制工", "温州市中医院", None, "曹丽君"),
    ("何志伟电梯安装维修技能大师工作室", "master_studio", "national", CITY, "电梯安装维修工", "温州市特种设备检测研究院", None, "何志伟"),
    ("温州市高技能人才公共实训基地（瓯海）", "training_base", "city", CITY, "智能制造", "瓯海区人力社保局", None, "杨光辉"),
    ("温州技师学院公共实训基地", "training_base", "city", CITY, "机电一体化", "温州技师学院", None, "许文静"),
    ("乐清市电气高技能人才公共实训基地", "training_base", "city", CITY, "电气", "乐清市职业技术学校", None, "赵一鸣"),
    ("瑞安市汽摩配高技能人才公共实训基地", "training_base", "city", CITY, "汽摩配", "瑞安市职业中等专业学校", None, "钱立峰"),
    ("永嘉县泵阀高技能人才公共实训基地", "training_base", "city", CITY, "泵阀", "永嘉县职业中学", None, "孔德明"),
    ("温州市鞋革高技能人才公共实训基地", "training_base", "city", CITY, "鞋革", "温州市鞋革行业协会", None, "邹雅琴"),
    ("温州市智能制造高技能人才公共实训基地", "training_base", "city", CITY, "工业机器人", "温州职业技术学院", None, "沈浩然"),
    ("温州市现代服务业高技能人才公共实训基地", "training_base", "city", CITY, "养老护理", "温州市社会福利院", None, "韩晓梅"),
]

APPRENTICE_NAMES = ["陈浩", "林晨", "王磊", "郑洁", "黄涛", "周颖", "吴凯", "徐静", "孙杰", "朱琳", "胡斌", "叶倩",
                    "潘鑫", "蔡敏", "金鹏", "施雨", "谢宇", "董亮", "曹雪", "何帆", "郭婷", "马超", "杨帆", "许诺"]
LEVEL_STEPS = [("中级工", "高级工"), ("高级工", "技师"), ("初级工", "中级工"), ("高级工", "高级工"), ("", "中级工"),
               ("技师", "高级技师")]

# This year's report states for the studios after the two named leads' ones (a draft for ``lead``
# to submit, a returned report for ``lead2``): in list order, then accepted and scored.
CURRENT_STATES = ["draft", "draft", "submitted", "submitted", "submitted", "returned", "none", "none"]
RETURN_REASON = "带徒协议和学员花名册未上传；培训人数与附件签到表不一致，请核对后重新提交。"


def load_demo_studios() -> list[str]:
    rng = random.Random(20261121)  # fixed: every run makes the same data
    today = local_today()
    current, previous = today.year, today.year - 1
    admin = demo_user("admin")
    leads = _leads()
    # Reports on a year open in its November and close mid-January; this year's window is open today.
    for year in (previous, current):
        if queries.report_window(year) is None:
            db.session.add(ReportWindow(year=year, opens_on=min(dt.date(year, 11, 1), today),
                                        deadline=dt.date(year + 1, 1, 15)))
    studios = []
    for number, (name, kind, level, place, occupation, employer, username, _lead_name) in enumerate(STUDIOS, start=1):
        studio = db.session.scalar(select(Studio).where(Studio.name == name))
        if studio is None:
            established = dt.date(current - 8 + rng.randrange(8), rng.randrange(1, 13), rng.randrange(1, 29))
            studio = operations.create_studio({
                "name": name, "kind": kind, "level": level, "jurisdiction": place, "policy": POLICY,
                "lead": username or leads[number], "occupation": occupation, "host_employer": employer,
                "established": established, "term_years": _renewed_term(established, current),
                "grant_paid_on": established + dt.timedelta(days=90) if established.year < previous else None})
        studios.append(studio)
    for studio in studios:
        for year in (current - 2, previous):
            if studio.established.year <= year and queries.find_report(studio.id, year) is None:
                _historical_report(studio, year, rng, admin)
    for kind in ("master_studio", "training_base"):
        if queries.find_assessment(previous, kind, "city", CITY) is None:
            assessment = operations.run_assessment(year=previous, kind=kind, level="city", jurisdiction=CITY,
                                                   reward_amount=None, run_by=admin)
            if assessment.ties_at_cap:
                operations.decide_tie(assessment, assessment.ties_at_cap[:1], "按技术攻关成果的实际效益择优")
            operations.publish_assessment(assessment)
            # Published in March, as it would have been; the notice period is over.
            assessment.published_at = min(dt.datetime(current, 3, 13, 1, 0), utcnow())
            assessment.notice_ends_on = min(dt.date(current, 3, 20), today)
    states = ["draft", "returned"] + CURRENT_STATES
    for index, studio in enumerate(studios):
        if queries.find_report(studio.id, current) is None:
            _current_report(studio, current, states[index] if index < len(states) else "accepted", rng, admin)
    return [f"Studios: {len(STUDIOS)} studios and bases in {CITY}, reports for {current - 2}–{current}, "
            f"{previous} assessments published (leads lead03…lead{len(STUDIOS):02d} own the others)"]


def _renewed_term(established: dt.date, current: int) -> int:
    """Terms of 3 years, renewed so far: every demo studio is in its current term."""
    return 3 * ((current - established.year) // 3 + 1)


def _leads() -> dict[int, str]:
    """Accounts for the studios not led by the demo logins, lead03 … lead33."""
    usernames = {}
    for number, (name, *_rest, username, lead_name) in enumerate(STUDIOS, start=1):
        if username:
            continue
        usernames[number] = f"lead{number:02d}"
        if demo_user(usernames[number]) is None:
            accounts.create_user(usernames[number], Role.studio_lead.value, GENERATED_LEAD_PASSWORD.format(number=number),
                                 display_name=lead_name, organisation=name)
    return usernames


def _id_number(rng: random.Random) -> str:
    body = f"3303{rng.choice(['02', '03', '04', '24', '81', '82'])}{rng.randrange(1988, 2004)}" \
           f"{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return body + id_check_character(body)


def _content(studio: Studio, year: int, rng: random.Random, *, complete: bool = True) -> dict:
    apprentices = []
    for name in rng.sample(APPRENTICE_NAMES, rng.randrange(4, 11) if complete else 2):
        before, after = rng.choice(LEVEL_STEPS)
        apprentices.append({"name": name, "id_number": _id_number(rng), "level_before": before, "level_after": after})
    trainings = [{"title": f"{studio.occupation}技能提升培训（第{n}期）", "held_on": f"{year}-{3 * n:02d}-15",
                  "trainees": rng.randrange(20, 120)} for n in range(1, (4 if complete else 2))]
    received = rng.randrange(5, 40) * 10_000
    return clean_content({
        "apprentices": apprentices,
        "innovations": [{"title": f"{studio.occupation}关键工序工艺改进", "benefit": f"年节约成本约{rng.randrange(10, 90)}万元"},
                        {"title": "工装夹具优化", "benefit": "生产效率提高15%"}][: 2 if complete else 1],
        "patents": [{"title": f"一种{studio.occupation}用辅助装置", "number": f"ZL{year - 1}2{rng.randrange(10**8):08d}.X"}]
        if complete else [],
        "trainings": trainings,
        "exchanges": [{"title": "技能大师进校园", "held_on": f"{year}-05-20", "description": "为职业院校学生开展技艺展示与交流"}],
        "awards": [{"name": apprentices[0]["name"], "id_number": apprentices[0]["id_number"],
                    "competition": f"{year}年温州市职业技能大赛", "award": "二等奖"}] if complete else [],
        "funds": {"received": received, "spent": received - rng.randrange(0, 5) * 10_000,
                  "note": "用于设备购置、耗材和带徒补贴"},
        "summary": f"{year}年度，{studio.name}围绕{studio.occupation}岗位开展带徒传技、技术攻关和技能交流等工作。",
    })


def _item_scores(studio: Studio, rng: random.Random) -> dict[str, str]:
    rubric = load_rubric(studio.kind)
    return {item.key: str(Decimal(rng.randint(item.max * 6, item.max * 10)) / 10) for item in rubric.items}


def _historical_report(studio: Studio, year: int, rng: random.Random, admin) -> None:
    """An earlier year's report, accepted and scored, stored as it was then (submitted on time)."""
    submitted = dt.datetime(year + 1, 1, rng.randrange(2, 14), 2, 30)
    scores = _item_scores(studio, rng)
    db.session.add(AnnualReport(
        studio=studio, year=year, status=ReportStatus.accepted.value, content=_content(studio, year, rng),
        first_submitted_at=submitted, submitted_at=submitted, reviewed_by_id=admin.id,
        reviewed_at=submitted + dt.timedelta(days=7), item_scores=scores,
        score=sum((Decimal(points) for points in scores.values()), Decimal(0)), scored_by_id=admin.id,
        scored_at=submitted + dt.timedelta(days=20)))
    db.session.flush()


def _current_report(studio: Studio, year: int, state: str, rng: random.Random, admin) -> None:
    """This year's report, taken through the same steps a lead and the bureau take."""
    if state == "none":
        return
    report = operations.save_report(studio, year, _content(studio, year, rng, complete=state != "draft"))
    if state == "draft":
        return
    operations.submit_report(report)
    if state == "returned":
        operations.return_report(report, RETURN_REASON, admin)
    elif state == "accepted":
        operations.accept_report(report, admin)
        operations.score_report(report, _item_scores(studio, rng), admin)
    report.submitted_at = report.first_submitted_at = utcnow() - dt.timedelta(days=rng.randrange(1, 15))
