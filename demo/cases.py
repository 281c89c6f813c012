"""Deterministic demo casework (演示案件) for the demo county, and a replayer for it.

The demo county (:mod:`demo.county`) has stations, enterprises and accounts but no
complaints, and an empty complaint list shows nothing of what the bureau's system is for:
deadlines running out, five replies given late or not at all, follow-up visits that reopen a
case or order a rectification, leaders' decisions on collective and bypass petitions. This
module writes about ninety such cases as *scripts* rather than as finished case records:

- a :class:`DemoCase` says how a complaint arrived (channel, place, complainant, when it was
  received and when it was registered, the receipt) and what happened to it afterwards, as
  :class:`DemoStep` values in time order, each naming one casework rule and its arguments in
  plain JSON-like values (users by username, stations by code, times as ISO strings);
- :func:`intake_step` and :func:`apply_demo_step` replay a script through the real casework
  rules (:mod:`bureau.casework`, :func:`bureau.supervision.record_escalation`), so a demo case
  is made exactly as a user at the desk would make it, and a script the rules refuse is a bug
  found by the unit tests rather than a record the server could never have produced.

Scripts rather than records, because the server must store what the rules decide (numbers,
deadlines, audit entries) and a record written here would duplicate those rules. The scripts
also carry plain facts (channel, category, station, month, follow-up outcomes, which replies
were given late: :attr:`DemoCase.late_replies`) so that a statistics test can count what the
server should report *without* running the rules, and compare.

Every scenario the demo must show is written by a small function (``_closed``,
``_rectification_awaiting``…) over a :class:`_Script`, which draws times from the seeded
random generator; when the drawn times do not fit the scenario (a step after
:data:`AS_OF_TIME`, a deadline not yet passed for an "overdue" case) the scenario is drawn
again. Same county and seed → the same cases, to the value: one ``random.Random`` seeded with a
string, no set iteration, no clock.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from shapely.geometry import Point
from shapely.prepared import PreparedGeometry, prep

from bureau.access import Actor
from bureau.cases import Case, Complainant, Step
from bureau.casework import (
    DEFAULT_RECEIPT_METHOD,
    ReplyDraft,
    assign,
    classify,
    close,
    extend,
    follow_up,
    intake,
    record_reply,
    reopen,
    resolve,
    verify_rectification,
)
from bureau.deadlines import DEFAULT_CLOCKS, Clocks
from bureau.registry import EnterpriseRecord
from bureau.supervision import record_escalation
from bureau.vocabulary import REPLY_KINDS
from demo.county import AS_OF, DEFAULT_SEED, DemoCounty, _person_name, _phone

__all__ = [
    "AS_OF_TIME",
    "DEMO_STEPS",
    "WINDOW_START",
    "DemoCase",
    "DemoStep",
    "apply_demo_step",
    "demo_cases",
    "intake_step",
]

AS_OF_TIME = datetime(AS_OF.year, AS_OF.month, AS_OF.day, tzinfo=UTC)
"""The moment the demo is true at: the demo county's :data:`~demo.county.AS_OF`, at
midnight UTC. Every step of every script happens at or before it."""

WINDOW_START = datetime(2026, 5, 1, tzinfo=UTC)
"""Demo complaints are received from this moment until :data:`AS_OF_TIME` (six months)."""

DEMO_STEPS: tuple[str, ...] = (
    "classify",
    "assign",
    "extend",
    "reply",
    "resolve",
    "follow_up",
    "verify",
    "close",
    "reopen",
    "escalate",
)
"""What a :class:`DemoStep` may do; :func:`apply_demo_step` says which rule each one runs.

``close`` is replayed but no script uses it: a satisfied follow-up visit and a verification
that finds the rectification done close the case themselves, and :func:`~bureau.casework.close`
refuses every other open case."""

_EMPTY: Mapping[str, object] = MappingProxyType({})


# --------------------------------------------------------------------------- the scripts


@dataclass(frozen=True)
class DemoStep:
    """One thing done to a demo case: ``do`` (a :data:`DEMO_STEPS` word) at ``at`` (UTC, also the
    rule's ``now``) by the demo user ``by``, with the rule's keyword arguments in ``args``.

    ``args`` holds plain JSON-like values only: reply drafts as ``{"method", "text"[, "at"]}``,
    users by username (``assignee``, ``approver``), stations by code (``station``), the
    enterprise of a rectification order by credit code (``enterprise``), times as ISO strings.
    """

    do: str
    at: datetime
    by: str
    args: Mapping[str, object] = field(default_factory=lambda: _EMPTY, hash=False)

    def __post_init__(self) -> None:
        if self.do not in DEMO_STEPS:
            raise ValueError(f"unknown demo step {self.do!r}; expected one of {DEMO_STEPS}")
        object.__setattr__(self, "args", MappingProxyType(dict(self.args)))


@dataclass(frozen=True)
class DemoCase:
    """A demo complaint as a script: how it arrived, then its steps in time order.

    ``received_at`` is when the complaint reached the bureau (a call, a letter's arrival) and
    ``registered_at`` when it was entered (the intake's ``now``; a letter registered more than
    a day after it arrived gets a late receipt). ``station_code`` is the station whose area
    holds (``lon``, ``lat``), ``None`` at the county desk (no location); an assignment may move
    the case to a station later (:attr:`final_station_code`). ``receipt`` is the receipt's
    reply draft, ``None`` for a complainant who left no way back.

    ``expected_status`` is the status the steps lead to, ``scenario`` the script that wrote
    them (``closed``, ``rectification_overdue``…), and ``late_replies`` which of the five
    replies (:data:`REPLY_KINDS` codes) were first given after their deadline, as
    :func:`bureau.deadlines.reply_compliance` judges it. With the properties below, these plain
    values are enough to count cases by channel, category, station and month of receipt,
    follow-up visits and their outcomes, and late replies, without running the rules.
    """

    key: str
    channel: str
    category: str
    description: str
    lon: float | None
    lat: float | None
    address: str | None
    received_at: datetime
    registered_at: datetime
    received_by: str
    complainant_name: str | None
    complainant_phone: str | None
    headcount: int
    important: bool
    bypass: bool
    station_code: str | None
    receipt: Mapping[str, object] | None = field(hash=False)
    steps: tuple[DemoStep, ...]
    expected_status: str
    scenario: str
    late_replies: tuple[str, ...]

    def __post_init__(self) -> None:
        if self.receipt is not None:
            object.__setattr__(self, "receipt", MappingProxyType(dict(self.receipt)))

    @property
    def anonymous(self) -> bool:
        """The complainant gave no name."""
        return not self.complainant_name

    @property
    def contactable(self) -> bool:
        """The complainant can be told things (a phone number): receipt and notices are owed."""
        return bool(self.complainant_phone)

    @property
    def collective(self) -> bool:
        """Raised by five or more people together (集体访)."""
        return self.headcount >= 5

    @property
    def final_station_code(self) -> str | None:
        """The station the case belongs to after its steps: the last assignment's, else the
        station at intake (``None``: the county desk)."""
        assigned = [s.args["station"] for s in self.steps if s.do == "assign"]
        return str(assigned[-1]) if assigned else self.station_code

    @property
    def follow_up_outcomes(self) -> tuple[str, ...]:
        """The outcome of every follow-up visit (回访), in order."""
        return tuple(str(s.args["outcome"]) for s in self.steps if s.do == "follow_up")

    @property
    def received_month(self) -> str:
        """``YYYY-MM`` of receipt, in UTC."""
        return self.received_at.astimezone(UTC).strftime("%Y-%m")


# --------------------------------------------------------------------------- the replayer


def intake_step(
    demo: DemoCase,
    *,
    case_id: int | str,
    number: str,
    actors: Mapping[str, Actor],
    station_ids: Mapping[str | None, int | None],
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Register ``demo`` through :func:`bureau.casework.intake`, at its ``registered_at``.

    ``actors`` maps each demo username to its account (user ids are the caller's);
    ``station_ids`` maps each station code, and ``None`` for the county desk, to the caller's
    station id. ``case_id`` and ``number`` are the caller's too (a database id, a numbering).
    """
    return intake(
        case_id=case_id,
        number=number,
        channel=demo.channel,
        category=demo.category,
        description=demo.description,
        complainant=Complainant(
            name=demo.complainant_name, phone=demo.complainant_phone, headcount=demo.headcount
        ),
        received_at=demo.received_at,
        receiver=_actor(actors, demo.received_by),
        now=demo.registered_at,
        receipt=reply_draft(demo.receipt),
        station_id=station_ids[demo.station_code],
        important=demo.important,
        bypass=demo.bypass,
        clocks=clocks,
    )


def apply_demo_step(
    case: Case,
    step: DemoStep,
    *,
    actors: Mapping[str, Actor],
    station_ids: Mapping[str | None, int | None],
    enterprise_id: int | str | None = None,
    clocks: Clocks = DEFAULT_CLOCKS,
) -> Step:
    """Run ``step`` on ``case`` through its casework rule, as ``step.by`` at ``step.at``.

    ``classify``, ``assign``, ``extend``, ``resolve``, ``follow_up``, ``close``, ``reopen`` run
    the rules of those names; ``reply`` runs :func:`~bureau.casework.record_reply`, ``verify``
    :func:`~bureau.casework.verify_rectification` and ``escalate``
    :func:`~bureau.supervision.record_escalation` (``by`` is the leader).

    A rectification order (a ``follow_up`` with outcome ``polluting_enterprise``) needs the
    enterprise's id, which only the caller knows: ``step.args["enterprise_id"]`` if the script
    names one, else the ``enterprise_id`` argument. The scripts of :func:`demo_cases` name the
    enterprise by credit code in ``step.args["enterprise"]`` for the caller to look up.
    """
    actor = _actor(actors, step.by)
    args = step.args
    now = step.at
    if step.do == "classify":
        return classify(
            case,
            classification=str(args["classification"]),
            actor=actor,
            now=now,
            notice=reply_draft(args.get("notice")),
            reason=str(args.get("reason", "")),
            proper_channel=_optional_text(args.get("proper_channel")),
            referred_to=_optional_text(args.get("referred_to")),
            clocks=clocks,
        )
    if step.do == "assign":
        return assign(
            case,
            station_id=station_ids[_optional_text(args.get("station"))],
            assignee_id=_actor(actors, str(args["assignee"])).user_id,
            actor=actor,
            now=now,
            deadline=_time(args.get("deadline")),
            clocks=clocks,
        )
    if step.do == "extend":
        return extend(
            case,
            days=args["days"],  # type: ignore[arg-type]  # an int; the rule checks it
            approver=_actor(actors, str(args["approver"])),
            reason=str(args["reason"]),
            actor=actor,
            now=now,
            clocks=clocks,
        )
    if step.do == "reply":
        return record_reply(
            case,
            kind=str(args["kind"]),
            reply=reply_draft(args.get("reply")),
            actor=actor,
            now=now,
        )
    if step.do == "resolve":
        return resolve(
            case,
            actor=actor,
            now=now,
            findings=str(args["findings"]),
            result=reply_draft(args.get("result")),
        )
    if step.do == "follow_up":
        named = args["enterprise_id"] if "enterprise_id" in args else enterprise_id
        return follow_up(
            case,
            outcome=str(args["outcome"]),
            reply=reply_draft(args.get("reply")),
            actor=actor,
            now=now,
            reason=str(args.get("reason", "")),
            enterprise_id=named,  # type: ignore[arg-type]
            rectification_deadline=_time(args.get("rectification_deadline")),
            requirement=str(args.get("requirement", "")),
            clocks=clocks,
        )
    if step.do == "verify":
        return verify_rectification(
            case,
            rectified=bool(args["rectified"]),
            findings=str(args["findings"]),
            actor=actor,
            now=now,
            clocks=clocks,
        )
    if step.do == "close":
        return close(case, actor=actor, now=now, why=str(args.get("why", "")))
    if step.do == "reopen":
        return reopen(case, reason=str(args["reason"]), actor=actor, now=now, clocks=clocks)
    assert step.do == "escalate", step.do
    grounds = args.get("grounds")
    assert grounds is None or isinstance(grounds, list | tuple), grounds
    return record_escalation(
        case,
        leader=actor,
        decision=str(args["decision"]),
        now=now,
        grounds=None if grounds is None else [str(g) for g in grounds],
        clocks=clocks,
    )


def _actor(actors: Mapping[str, Actor], username: str) -> Actor:
    try:
        return actors[username]
    except KeyError:
        raise KeyError(f"the demo scripts need an account for user {username!r}") from None


def reply_draft(value: object) -> ReplyDraft | None:
    if value is None:
        return None
    assert isinstance(value, Mapping), value
    method = value.get("method")
    return ReplyDraft(
        method=None if method is None else str(method),
        text=str(value.get("text") or ""),
        at=_time(value.get("at")),
    )


def _time(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(str(value))


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- the plan

_PLAN: tuple[tuple[str, int, str], ...] = (
    # scenario (a function below), how many, options (space-separated, see _OPTIONS)
    ("closed", 9, ""),
    ("closed", 2, "late_registration"),
    ("closed", 2, "late_notice"),
    ("closed", 2, "late_result"),
    ("closed", 2, "late_follow_up"),
    ("closed", 2, "unreachable"),
    ("closed", 1, "hidden"),
    ("closed", 2, "desk"),
    ("closed", 1, "collective escalate"),
    ("closed", 1, "important"),
    ("closed", 1, "extension"),
    ("reopened", 3, ""),
    ("reopened_handled_again", 2, ""),
    ("reopened_handled_again", 1, "late_registration collective"),
    ("reopened_investigating", 2, ""),
    ("closed_then_reopened", 2, ""),
    ("rectification_verified", 3, ""),
    ("rectification_verified", 1, "important escalate"),
    ("rectification_failed", 2, ""),
    ("rectification_awaiting", 3, ""),
    ("rectification_overdue", 2, ""),
    ("rectification_overdue", 1, "collective"),
    ("investigating", 5, ""),
    ("investigating", 1, "unreachable"),
    ("investigating", 1, "hidden"),
    ("investigating", 1, "desk"),
    ("investigating", 2, "collective escalate"),
    ("investigating", 1, "bypass escalate"),
    ("investigating", 1, "important escalate"),
    ("investigating_overdue", 3, ""),
    ("investigating_overdue", 1, "escalate"),
    ("investigating_overdue", 1, "skip_progress"),
    ("investigating_extended", 3, ""),
    ("investigating_extended", 1, "important escalate"),
    ("resolved", 2, ""),
    ("resolved", 1, "follow_up_overdue"),
    ("resolved", 2, "no_result"),
    ("accepted", 2, ""),
    ("received", 3, ""),
    ("received", 1, "desk"),
    ("received_overdue", 2, ""),
    ("received_overdue", 1, "unreachable"),
    ("received_overdue", 1, "desk bypass"),
    ("not_accepted", 2, ""),
    ("not_accepted", 2, "desk"),
    ("not_accepted", 1, "desk unreachable"),
    ("referred", 2, ""),
    ("referred", 3, "desk"),
    ("referred", 1, "desk bypass escalate"),
)
"""Which scenarios the demo shows, how often, with which twists. Every twist the demo must show
is listed here rather than left to chance, so that any seed shows all of them."""

_OPTIONS: dict[str, str] = {
    "late_registration": "a letter registered two to four days after it came: a late receipt",
    "late_notice": "accepted 16 to 21 days after receipt: a late acceptance notice",
    "late_result": "the result reply two to five days after resolving",
    "late_follow_up": "the follow-up visit 33 to 45 days after the result reply",
    "extension": "resolved after its 60 days, within its one extension",
    "unreachable": "an anonymous letter with no way back: no receipt, notice or progress owed",
    "hidden": "a caller who gave a phone number but no name",
    "desk": "no location: registered at the county desk, handled by the station it names",
    "collective": "five or more complainants together (集体访)",
    "important": "an important matter (重要信访事项): assigned by the leader with 30 days",
    "bypass": "taken over the responsible level's head (越级访)",
    "escalate": "a leader's decision recorded on the case's grounds",
    "skip_progress": "no progress reply (回音) however long the investigation",
    "no_result": "resolved, the result reply not given",
    "follow_up_overdue": "answered more than 30 days before AS_OF, no follow-up visit yet",
}
"""The twists a :data:`_PLAN` line may give its cases."""

_CHANNEL_SHARES = (
    ("hotline_12369", 0.36),
    ("online", 0.18),
    ("letter", 0.14),
    ("visit", 0.11),
    ("referral", 0.11),
    ("outreach", 0.10),
)
"""How the demo's complaints arrive: mostly the 12369 hotline, then online and letters."""

_CATEGORY_WEIGHTS = (
    ("odour", 6),
    ("noise", 6),
    ("waste_gas", 5),
    ("waste_water", 4),
    ("dust", 4),
    ("solid_waste", 2),
    ("hazardous_waste", 1),
    ("ecology", 1),
    ("radiation", 1),
    ("other", 1),
)
_FIRM_CATEGORIES = ("odour", "noise", "waste_gas", "waste_water", "dust")
"""Categories an enterprise is ordered to rectify in the demo (the pollutants it declares)."""


@dataclass(frozen=True)
class _Spec:
    scenario: str
    options: frozenset[str]
    turn: int
    """How many cases of the same scenario came before: picks their wording in turn."""


def _specs() -> list[_Spec]:
    specs: list[_Spec] = []
    for scenario, count, options in _PLAN:
        chosen = frozenset(options.split())
        assert chosen <= _OPTIONS.keys(), chosen - _OPTIONS.keys()
        before = sum(1 for s in specs if s.scenario == scenario)
        specs.extend(_Spec(scenario, chosen, before + i) for i in range(count))
    return specs


# --------------------------------------------------------------------------- words

_PLACES = tuple(
    (
        "东岗村 西塘村 南渚村 北庄村 梅园新村 杨庄村 河口村 石桥村 湖滨花园小区 "
        "新桥社区 庙前村 团山村 古渎村 锦绣家园小区 上兴村"
    ).split()
)
_ABOUT_FIRM: dict[str, tuple[str, ...]] = {
    "odour": (
        "{firm}夜间排放刺鼻气味，附近居民开窗就能闻到，已持续一周。",
        "{firm}周边经常有化工异味，阴雨天尤其明显，群众担心影响健康。",
    ),
    "waste_gas": (
        "{firm}烟囱冒黄烟，疑似废气处理设施没有运行。",
        "{firm}车间废气无组织排放，附近村民反映头晕恶心。",
    ),
    "waste_water": (
        "{firm}雨水排口有发黑废水流入河道，河水发臭。",
        "{firm}疑似夜间偷排废水，下游沟渠出现大量泡沫。",
    ),
    "noise": (
        "{firm}夜间生产噪声扰民，晚上十点以后仍在作业。",
        "{firm}风机和冷却塔噪声很大，周边居民无法正常休息。",
    ),
    "dust": (
        "{firm}堆场没有覆盖，刮风时扬尘严重，道路积尘很厚。",
        "{firm}运输车辆未密闭，沿路撒漏，扬尘扰民。",
    ),
    "hazardous_waste": ("{firm}厂区外堆放废油桶和废包装，疑似危险废物未按规定贮存。",),
    "solid_waste": ("{firm}在厂区后面露天堆放污泥，下雨时有渗滤液流出。",),
}
_ABOUT_PLACE: dict[str, tuple[str, ...]] = {
    "odour": ("{place}一带傍晚常有臭味，不知道是哪里排放的。",),
    "waste_gas": ("{place}有人露天焚烧废旧电线和垃圾，黑烟很大。",),
    "waste_water": ("{place}附近河塘出现死鱼，水面有油花。",),
    "noise": ("{place}附近工地夜间施工，噪声扰民。",),
    "dust": ("{place}道路施工扬尘严重，没有洒水降尘。",),
    "solid_waste": ("{place}路边有人倾倒建筑垃圾和工业固废。",),
    "hazardous_waste": ("{place}桥下发现来历不明的废化学品桶。",),
    "ecology": ("{place}河岸有人非法挖砂取土，破坏植被。", "{place}附近湿地被填埋，疑似违法占用。"),
    "radiation": ("{place}新建通信基站离住宅太近，担心电磁辐射影响健康。",),
    "other": ("{place}附近拟建项目，询问环评公示和审批情况。",),
}
_NOT_ACCEPTED = (
    # category, description, classification, reason or proper channel
    (
        "other",
        "对县生态环境局作出的行政处罚决定不服，要求撤销罚款。",
        "review_or_litigation",
        "可自收到处罚决定书之日起六十日内申请行政复议，或六个月内依法提起行政诉讼。",
    ),
    (
        "other",
        "要求企业赔偿污染造成的鱼塘损失。",
        "review_or_litigation",
        "污染损害赔偿属民事纠纷，可申请人民调解或向人民法院提起民事诉讼。",
    ),
    (
        "noise",
        "再次反映2026年4月已办结答复的噪声问题，未提供新的情况。",
        "not_acceptable",
        "同一事项已办结并答复，未提出新的事实和理由，不再重复受理。",
    ),
    (
        "odour",
        "只说“到处都臭”，说不出具体地点、时间和对象。",
        "not_acceptable",
        "反映内容无具体地点和对象，无法核实；补充具体情况后可再次反映。",
    ),
)
_REFERRED = (
    # category, description, referred to, proper channel
    (
        "waste_gas",
        "楼下沿街餐馆油烟直排，熏得家里无法开窗。",
        "县城市管理局",
        "餐饮油烟由城市管理部门监管，已转县城市管理局办理，也可拨打12319反映。",
    ),
    (
        "noise",
        "楼上邻居装修，周末早上七点就开始电钻施工。",
        "县公安局",
        "社会生活噪声由公安机关处理，已转县公安局，也可向辖区派出所反映。",
    ),
    (
        "waste_gas",
        "田里焚烧秸秆，烟雾很大，影响道路通行。",
        "县农业农村局",
        "秸秆禁烧由农业农村部门和属地镇政府负责，已转县农业农村局办理。",
    ),
    (
        "noise",
        "广场舞音响声音太大，晚上九点以后仍不停。",
        "县公安局",
        "社会生活噪声由公安机关处理，已转县公安局，也可拨打110反映。",
    ),
    (
        "ecology",
        "河道里有人电鱼、非法捕捞。",
        "县农业农村局",
        "非法捕捞由渔政部门查处，已转县农业农村局办理。",
    ),
    (
        "other",
        "小区化粪池满溢，物业不处理。",
        "县住房和城乡建设局",
        "物业管理由住房和城乡建设部门监管，已转县住房和城乡建设局办理。",
    ),
)
_FIRM_FINDINGS = (
    "经现场检查，{firm}反映问题属实，已责令立即整改并立案调查。",
    "经现场核查并委托监测，{firm}排放浓度达标，已要求加强管理、调整生产时间。",
    "经调查，{firm}治理设施未正常运行，已责令改正并处罚款。",
)
_PLACE_FINDINGS = (
    "经现场检查，{place}反映问题属实，已会同镇政府清理现场并加强巡查。",
    "经现场核查，{place}未发现持续污染，已要求村委会加强巡查，发现问题及时报告。",
    "已查明{place}的责任人，责令其停止违法行为、清理现场，并依法处罚。",
)
_FIRM_PROGRESS = (
    "正在调查取证，已约谈企业负责人，结果将及时告知。",
    "已现场检查并采样监测，待检测报告出具后答复。",
    "已责令企业停产整改，正在跟踪整改进度。",
)
_PLACE_PROGRESS = (
    "正在调查取证，已走访周边群众，结果将及时告知。",
    "已现场检查并采样监测，待检测报告出具后答复。",
    "已会同镇政府排查污染来源，正在跟踪处理。",
)
_REQUIREMENTS = {
    "odour": "限期更换活性炭并完善废气收集系统，整改完成后报县局核查。",
    "waste_gas": "限期修复废气处理设施并安装在线监控，整改完成后报县局核查。",
    "waste_water": "限期完成雨污分流改造，停止向河道排放废水。",
    "noise": "限期加装隔声降噪设施，夜间22时后停止高噪声作业。",
    "dust": "限期完成堆场全封闭改造，配套喷淋抑尘设施。",
}
"""What a rectification order requires, by the complaint's category (:data:`_FIRM_CATEGORIES`)."""
_DECISIONS = {
    "important": "列入班子会议集体研究，由分管局长牵头督办，每周报告进展。",
    "collective": "集体访：属地环境管理站做好群众解释工作，依法从快处理，三日内报告。",
    "bypass": "越级访：交属地环境管理站办理，县局跟踪督办，结果报我。",
    "overdue": "已超期：责令承办人说明原因，一周内办结并答复群众。",
}
_NOTICE_METHODS = {
    "hotline_12369": ("phone", "sms"),
    "letter": ("letter", "phone"),
    "visit": ("phone", "in_person"),
    "online": ("online",),
    "outreach": ("phone",),
    "referral": ("letter", "phone"),
}
_RECEIPT_METHODS = DEFAULT_RECEIPT_METHOD


# --------------------------------------------------------------------------- the county


@dataclass(frozen=True)
class _Town:
    code: str
    name: str
    area: PreparedGeometry
    bounds: tuple[float, float, float, float]
    firms: tuple[EnterpriseRecord, ...]
    handlers: tuple[tuple[str, int], ...]
    """``(username, weight)`` of who may be made responsible: the station's own people first."""
    inspectors: tuple[str, ...]


def _towns(county: DemoCounty) -> list[_Town]:
    names = {u.username for u in county.users}
    missing = [n for n in ("leader", "officer", "intake") if n not in names]
    if missing:
        raise ValueError(f"the demo county lacks the accounts {missing}")
    towns = []
    for station in county.stations:
        area = prep(station.area)
        firms = tuple(e for e in county.enterprises if area.contains(e.location))
        local = [u for u in county.users if u.station_code == station.code]
        inspectors = tuple(u.username for u in local if u.role == "inspector")
        handlers = tuple(
            (u.username, 3 if u.role == "inspector" else 2)
            for u in local
            if u.role in ("inspector", "station_staff")
        )
        if not inspectors:
            raise ValueError(f"station {station.code} has no inspector account")
        towns.append(
            _Town(
                code=station.code,
                name=station.name.removesuffix("环境管理站"),
                area=area,
                bounds=station.area.bounds,
                firms=firms,
                handlers=handlers + (("officer", 1),),
                inspectors=inspectors,
            )
        )
    return towns


# --------------------------------------------------------------------------- a case's profile


@dataclass(frozen=True)
class _Profile:
    """What a complaint is about and who raised it: drawn once, before its times."""

    channel: str
    category: str
    description: str
    town: _Town
    """The station whose area holds the place, or for a desk case the one it concerns."""
    located: bool
    lon: float | None
    lat: float | None
    address: str | None
    firm: EnterpriseRecord | None
    name: str | None
    phone: str | None
    headcount: int
    received_by: str
    classification: tuple[str, str, str, str | None] | None = None
    """For ``not_accepted`` and ``referred``: (classification, reason, proper channel, to)."""


def _profile(rng: random.Random, spec: _Spec, channel: str, town: _Town) -> _Profile:
    desk = "desk" in spec.options
    classification: tuple[str, str, str, str | None] | None = None
    firm: EnterpriseRecord | None = None
    if spec.scenario == "not_accepted":
        category, description, code, said = _NOT_ACCEPTED[spec.turn % len(_NOT_ACCEPTED)]
        reason, proper = (said, "") if code == "not_acceptable" else ("", said)
        classification = (code, reason, proper, None)
    elif spec.scenario == "referred":
        category, description, to, proper = _REFERRED[spec.turn % len(_REFERRED)]
        classification = ("outside_remit", "", proper, to)
    else:
        rectified = spec.scenario.startswith("rectification")
        category = rng.choice(_FIRM_CATEGORIES) if rectified else _weighted(rng, _CATEGORY_WEIGHTS)
        emitting = [e for e in town.firms if category in e.pollutants]
        if emitting and (rectified or (not desk and rng.random() < 0.7)):
            firm = emitting[rng.randrange(len(emitting))]
        description = ""
    place = f"{town.name}{rng.choice(_PLACES)}"
    if firm is not None and not desk:
        point = _point_near(rng, town, firm.location)
        address: str | None = f"{firm.address}附近"
    elif not desk:
        point = _point_in(rng, town)
        address = place
    else:
        point = None
        address = place if rng.random() < 0.8 or classification is None else None
    if not description:
        if firm is not None:
            description = rng.choice(_ABOUT_FIRM[category]).format(firm=firm.name)
        else:
            description = rng.choice(_ABOUT_PLACE[category]).format(place=place)
    name: str | None = _person_name(rng)
    phone: str | None = _phone(rng)
    if "unreachable" in spec.options:
        name = phone = None
    elif "hidden" in spec.options:
        name, phone = None, _phone(rng, mobile_only=True)
    headcount = rng.randint(5, 40) if "collective" in spec.options else 1
    if headcount >= 5:
        description = f"{description}（{headcount}名群众联名反映）"
    if channel == "outreach":
        received_by = rng.choice(town.inspectors)
    else:
        received_by = "intake" if rng.random() < 0.8 else "officer"
    return _Profile(
        channel=channel,
        category=category,
        description=description,
        town=town,
        located=point is not None,
        lon=None if point is None else point.x,
        lat=None if point is None else point.y,
        address=address,
        firm=firm,
        name=name,
        phone=phone,
        headcount=headcount,
        received_by=received_by,
        classification=classification,
    )


def _point_in(rng: random.Random, town: _Town) -> Point:
    """A uniformly random point of the station's area: rejection sampling in its bounds."""
    west, south, east, north = town.bounds
    while True:
        point = _rounded(rng.uniform(west, east), rng.uniform(south, north))
        if town.area.contains(point):
            return point


def _point_near(rng: random.Random, town: _Town, centre: Point) -> Point:
    """A point a few hundred metres from ``centre`` that still lies in the station's area."""
    for _ in range(200):
        point = _rounded(rng.gauss(centre.x, 0.004), rng.gauss(centre.y, 0.0035))
        if town.area.contains(point):
            return point
    return _point_in(rng, town)  # pragma: no cover - a firm at the very edge of its town


def _rounded(lon: float, lat: float) -> Point:
    return Point(round(lon, 6), round(lat, 6))


# --------------------------------------------------------------------------- writing a script


class _DoesNotFit(Exception):
    """The times drawn do not fit the scenario (too late, or missing its point): draw again."""


def _work_time(rng: random.Random, at: datetime) -> datetime:
    """A moment of office hours (08:30-17:00 Beijing time, 00:30-09:00 UTC) on ``at``'s day."""
    day = datetime(at.year, at.month, at.day, 0, 30, tzinfo=UTC)
    return day + timedelta(minutes=rng.randint(0, 510))


def _draft(method: str, text: str, at: datetime | None = None) -> dict[str, object]:
    draft: dict[str, object] = {"method": method, "text": text}
    if at is not None:
        draft["at"] = at.isoformat()
    return draft


class _Script:
    """One case's script being written: its times so far, and the clocks its scenario needs.

    ``t`` is the time of the last step in the case's main line; side steps (progress replies,
    leaders' decisions) fall between main steps, and :meth:`finish` puts all in time order.
    """

    def __init__(self, rng: random.Random, spec: _Spec, profile: _Profile) -> None:
        self.rng = rng
        self.spec = spec
        self.p = profile
        self.steps: list[DemoStep] = []
        self.received_at = self.registered_at = self.t = WINDOW_START
        self.receipt: dict[str, object] | None = None
        self.assignee: str | None = None
        self.due: datetime | None = None
        self.round_start: datetime | None = None
        self.resolved_at: datetime | None = None
        self.rectification_deadline: datetime | None = None

    # --- helpers

    def has(self, option: str) -> bool:
        return option in self.spec.options

    @property
    def contactable(self) -> bool:
        return self.p.phone is not None

    @staticmethod
    def fit(ok: bool) -> None:
        if not ok:
            raise _DoesNotFit

    def pick(self, low_days: int, high_days: int, after: datetime | None = None) -> datetime:
        """An office-hours moment ``low..high`` days after ``after`` (default ``t``), later
        than ``t``, not after :data:`AS_OF_TIME`."""
        base = self.t if after is None else after
        at = _work_time(self.rng, base + timedelta(days=self.rng.randint(low_days, high_days)))
        if at <= self.t:
            at = self.t + timedelta(minutes=self.rng.randint(10, 120))
        self.fit(at <= AS_OF_TIME)
        return at

    def later(self, low_days: int, high_days: int) -> datetime:
        self.t = self.pick(low_days, high_days)
        return self.t

    def add(self, do: str, at: datetime, by: str, **args: object) -> None:
        self.fit(at <= AS_OF_TIME)
        self.steps.append(DemoStep(do=do, at=at, by=by, args=args))

    # --- arrival

    def receive(self, first_day: int, last_day: int) -> None:
        """Received on a day ``first_day..last_day`` after :data:`WINDOW_START`; registered at
        once, or a letter some days after it came (option ``late_registration``)."""
        rng = self.rng
        day = WINDOW_START + timedelta(days=rng.randint(first_day, last_day))
        channel = self.p.channel
        if channel == "hotline_12369":
            received = day + timedelta(minutes=rng.randint(0, 14 * 60))  # 08:00-22:00 Beijing
            registered = received + timedelta(minutes=rng.randint(3, 40))
        elif channel == "online":
            received = day + timedelta(minutes=rng.randint(0, 23 * 60))
            registered = received + timedelta(minutes=rng.randint(20, 600))
        else:
            received = _work_time(rng, day)
            registered = received + timedelta(minutes=rng.randint(10, 300))
        if self.has("late_registration"):
            registered = _work_time(rng, received + timedelta(days=rng.randint(2, 4)))
        self.fit(WINDOW_START <= received < AS_OF_TIME and registered <= AS_OF_TIME)
        self.received_at, self.registered_at, self.t = received, registered, registered
        if self.contactable:
            self.receipt = _draft(_RECEIPT_METHODS[channel], "")

    # --- the lifecycle steps

    def notice(self, text: str) -> dict[str, object] | None:
        if not self.contactable:
            return None
        return _draft(self.rng.choice(_NOTICE_METHODS[self.p.channel]), text)

    def accept(self) -> None:
        if self.has("late_notice"):
            at = _work_time(self.rng, self.received_at + timedelta(days=self.rng.randint(16, 21)))
            self.fit(self.t < at <= AS_OF_TIME)
            self.t = at
        else:
            self.later(0, 1 if self.has("important") else 6)
        kind = "petition" if self.p.category == "other" else "environmental"
        self.add(
            "classify",
            self.t,
            self.rng.choice(("officer", "intake")),
            classification=kind,
            notice=self.notice("您反映的问题已受理，将在60日内办结并答复。"),
        )
        self.round_start = self.t
        self.due = self.t + timedelta(days=60)

    def turn_away(self) -> None:
        """Not accepted or referred, with the reason or the proper channel told."""
        assert self.p.classification is not None
        code, reason, proper, to = self.p.classification
        self.later(0, 6)
        args: dict[str, object] = {"classification": code}
        if code == "outside_remit":
            args |= {"referred_to": to, "proper_channel": proper}
            told = f"您反映的问题不属本局职责，{proper}"
        elif code == "review_or_litigation":
            args["proper_channel"] = proper
            told = f"不予受理。{proper}"
        else:
            args["reason"] = reason
            told = f"不予受理：{reason}"
        args["notice"] = self.notice(told)
        self.add("classify", self.t, self.rng.choice(("officer", "intake")), **args)

    def assign(self, low_days: int = 0, high_days: int = 3) -> None:
        self.later(low_days, high_days)
        station = self.p.town.code
        names = [n for n, _ in self.p.town.handlers]
        weights = [w for _, w in self.p.town.handlers]
        assignee = self.rng.choices(names, weights=weights)[0]
        args: dict[str, object] = {"station": station, "assignee": assignee}
        important = self.has("important") and self.assignee is None
        if important:
            assert self.due is not None
            deadline = (self.t + timedelta(days=30)).replace(hour=9, minute=0, second=0)
            if deadline < self.due:
                args["deadline"] = deadline.isoformat()
                self.due = deadline
        self.add("assign", self.t, "leader" if important else "officer", **args)
        self.assignee = assignee

    def progress_until(self, end: datetime) -> None:
        """Progress replies (回音) every two to four weeks of the round, until ``end``."""
        if not self.contactable or self.has("skip_progress"):
            return
        assert self.round_start is not None and self.assignee is not None
        at = _work_time(self.rng, self.round_start + timedelta(days=self.rng.randint(12, 26)))
        while at < end - timedelta(days=1):
            text = self.rng.choice(_FIRM_PROGRESS if self.p.firm else _PLACE_PROGRESS)
            self.add("reply", at, self.assignee, kind="progress", reply=_draft("phone", text))
            at = _work_time(self.rng, at + timedelta(days=self.rng.randint(15, 28)))

    def extend(self, at: datetime) -> int:
        assert self.due is not None and self.assignee is not None
        self.fit(self.t < at <= min(self.due, AS_OF_TIME))
        days = self.rng.randint(15, 30)
        self.t = at
        self.add(
            "extend",
            at,
            self.assignee,
            days=days,
            approver="leader",
            reason=self.rng.choice(
                (
                    "需委托第三方监测并等待检测报告，申请延期。",
                    "涉及多家企业，需会同镇政府联合调查，申请延期。",
                )
            ),
        )
        self.due += timedelta(days=days)
        return days

    def resolve(self, at: datetime, *, with_result: bool = True) -> None:
        assert self.assignee is not None
        self.progress_until(at)
        self.t = at
        if self.p.firm is not None:
            findings = self.rng.choice(_FIRM_FINDINGS).format(firm=self.p.firm.name)
        else:
            place = self.p.address or "反映地点"
            findings = self.rng.choice(_PLACE_FINDINGS).format(place=place)
        args: dict[str, object] = {"findings": findings}
        if with_result:
            args["result"] = self.result_draft(findings)
        self.add("resolve", at, self.assignee, **args)
        self.resolved_at = at

    def result_draft(self, findings: str, at: datetime | None = None) -> dict[str, object]:
        if not self.contactable:
            return _draft("notice", f"处理结果已在村务公开栏张贴公示：{findings}", at)
        method = self.rng.choice(("phone", "phone", "letter", "in_person"))
        return _draft(method, f"已告知处理结果：{findings}", at)

    def handle(self, low_days: int, high_days: int) -> None:
        """Investigate for ``low..high`` days, resolve, and give the result: at once, or two to
        five days late (option ``late_result``)."""
        self.resolve(self.pick(low_days, high_days), with_result=not self.has("late_result"))
        if self.has("late_result"):
            self.give_result(2, 5)

    def give_result(self, low_days: int, high_days: int) -> None:
        assert self.resolved_at is not None and self.assignee is not None
        self.later(low_days, high_days)
        # told by phone a little earlier, recorded now (never before the resolution)
        told = self.t - timedelta(minutes=self.rng.randint(30, 240))
        draft = self.result_draft(
            "问题已处理，欢迎继续监督。", told if told > self.resolved_at else None
        )
        self.add("reply", self.t, self.assignee, kind="result", reply=draft)

    def follow_up(self, outcome: str) -> None:
        """The follow-up visit, ``satisfied`` or ``unsatisfied``, 3 to 20 days after the result
        (33 to 45 with option ``late_follow_up``); see :meth:`order_rectification`."""
        assert self.assignee is not None
        if self.has("late_follow_up"):
            self.later(33, 45)
        else:
            self.later(3, 20)
        method = "in_person" if not self.contactable else self.rng.choice(("phone", "in_person"))
        said = {
            "satisfied": "回访群众，表示问题已明显改善，对处理结果满意。",
            "unsatisfied": "回访时群众表示问题仍然存在，对处理结果不满意。",
        }[outcome]
        if not self.contactable:
            said = "现场回访周边群众：" + said.removeprefix("回访")
        args: dict[str, object] = {"outcome": outcome, "reply": _draft(method, said)}
        if outcome == "unsatisfied":
            args["reason"] = "群众反映问题仍然存在，要求重新处理。"
            self.round_start, self.resolved_at = self.t, None
            self.due = self.t + timedelta(days=60)
        self.add("follow_up", self.t, self.assignee, **args)

    def order_rectification(self, low_days: int = 15, high_days: int = 30) -> None:
        """A follow-up that finds the enterprise still polluting: a rectification order to be
        fixed in ``low..high`` days, verified within a week after."""
        assert self.p.firm is not None
        self.fit(0 < low_days <= high_days)
        at = self.pick(3, 20)
        days = self.rng.randint(low_days, high_days)
        deadline = (at + timedelta(days=days)).replace(hour=9, minute=0, second=0)
        self.rectification_deadline = deadline
        self.t = at
        assert self.assignee is not None
        self.add(
            "follow_up",
            at,
            self.assignee,
            outcome="polluting_enterprise",
            reply=_draft("in_person", "回访发现企业治理设施仍未正常运行，群众不满意。"),
            enterprise=self.p.firm.credit_code,
            rectification_deadline=deadline.isoformat(),
            requirement=_REQUIREMENTS[self.p.category],
        )

    def verify(self, rectified: bool) -> None:
        assert self.rectification_deadline is not None and self.assignee is not None
        self.t = self.pick(0, 6, after=self.rectification_deadline)
        findings = (
            "复查核实：整改到位，治理设施正常运行，周边无明显污染。"
            if rectified
            else "复查核实：整改未完成，治理设施仍未安装到位，重新立案办理。"
        )
        self.add("verify", self.t, self.assignee, rectified=rectified, findings=findings)
        if not rectified:
            self.round_start = self.t
            self.due = self.t + timedelta(days=60)

    def reopen(self, low_days: int, high_days: int) -> None:
        self.later(low_days, high_days)
        reason = "结案后群众再次来电反映同一问题，经核实问题反弹，重新处理。"
        self.add("reopen", self.t, "leader", reason=reason)
        self.round_start = self.t
        self.due = self.t + timedelta(days=60)

    def escalate(self, at: datetime, grounds: Sequence[str]) -> None:
        decision = "；".join(_DECISIONS[g] for g in grounds)
        self.add("escalate", at, "leader", decision=decision, grounds=list(grounds))

    def flag_grounds(self) -> list[str]:
        return [g for g in ("important", "collective", "bypass") if self.has(g)]

    # --- the result

    def finish(self, expected_status: str) -> DemoCase:
        if self.has("escalate") and not any(s.do == "escalate" for s in self.steps):
            # the leader decides within three days of registration, before the case moves on
            grounds = self.flag_grounds()
            assert grounds, self.spec
            latest = min([self.registered_at + timedelta(days=3), *(s.at for s in self.steps)])
            share = self.rng.uniform(0.2, 0.9)
            at = self.registered_at + (latest - self.registered_at) * share
            self.escalate(at.replace(microsecond=0), grounds)
        steps = tuple(sorted(self.steps, key=lambda s: s.at))
        p = self.p
        return DemoCase(
            key="",
            scenario=self.spec.scenario,
            channel=p.channel,
            category=p.category,
            description=p.description,
            lon=p.lon,
            lat=p.lat,
            address=p.address,
            received_at=self.received_at,
            registered_at=self.registered_at,
            received_by=p.received_by,
            complainant_name=p.name,
            complainant_phone=p.phone,
            headcount=p.headcount,
            important=self.has("important"),
            bypass=self.has("bypass"),
            station_code=p.town.code if p.located else None,
            receipt=self.receipt,
            steps=steps,
            expected_status=expected_status,
            late_replies=_late_replies(
                self.received_at, self.registered_at, self.contactable, self.receipt, steps
            ),
        )


# --------------------------------------------------------------------------- the scenarios
# Each writes one case's steps and returns the status they lead to. Day ranges are generous:
# a draw that does not fit is simply drawn again.


def _closed(s: _Script) -> str:
    """Handled, answered, visited, satisfied: the ordinary case (办结-回复-回访-结案)."""
    twisted = any(s.has(o) for o in ("late_notice", "late_follow_up", "extension"))
    s.receive(0, 70 if twisted else 110)
    s.accept()
    s.assign()
    if s.has("extension"):
        assert s.due is not None
        original_due = s.due
        days = s.extend(_work_time(s.rng, original_due - timedelta(days=s.rng.randint(2, 12))))
        s.resolve(s.pick(2, days - 1, after=original_due))
    else:
        s.handle(7, 45)
    s.follow_up("satisfied")
    return "closed"


def _reopened(s: _Script) -> str:
    """The complainant was not satisfied at the follow-up visit: reopened, not yet reassigned."""
    s.receive(60, 130)
    s.accept()
    s.assign()
    s.handle(7, 40)
    s.follow_up("unsatisfied")
    return "reopened"


def _reopened_handled_again(s: _Script) -> str:
    """Reopened after an unsatisfied visit, handled again, and closed at the second visit."""
    s.receive(0, 70)
    s.accept()
    s.assign()
    s.handle(7, 30)
    s.follow_up("unsatisfied")
    s.assign(1, 5)
    s.handle(5, 25)
    s.follow_up("satisfied")
    return "closed"


def _reopened_investigating(s: _Script) -> str:
    """Reopened after an unsatisfied visit and being investigated again."""
    s.receive(10, 120)
    s.accept()
    s.assign()
    s.handle(7, 30)
    s.follow_up("unsatisfied")
    s.assign(1, 5)
    s.progress_until(AS_OF_TIME)
    return "investigating"


def _closed_then_reopened(s: _Script) -> str:
    """Closed after a satisfied visit; weeks later the problem came back and a leader reopened
    it (反弹, 重新处理)."""
    s.receive(0, 100)
    s.accept()
    s.assign()
    s.handle(7, 35)
    s.follow_up("satisfied")
    s.reopen(10, 40)
    return "reopened"


def _rectification_verified(s: _Script) -> str:
    """The follow-up found the enterprise still polluting; the rectification order was met and
    the verification visit closed the case."""
    s.receive(0, 90)
    s.accept()
    s.assign()
    s.handle(7, 35)
    s.order_rectification()
    s.verify(True)
    return "closed"


def _rectification_failed(s: _Script) -> str:
    """The verification visit found the rectification not done: investigated again."""
    s.receive(0, 80)
    s.accept()
    s.assign()
    s.handle(7, 35)
    s.order_rectification()
    s.verify(False)
    s.progress_until(AS_OF_TIME)
    return "investigating"


def _rectification_awaiting(s: _Script) -> str:
    """A rectification order whose verification visit is not due yet at :data:`AS_OF_TIME`."""
    s.receive(70, 160)
    s.accept()
    s.assign()
    s.handle(7, 30)
    # the verification (deadline + 7 days) must fall after AS_OF: a deadline late enough
    shortest = (AS_OF_TIME - s.t).days - 7 + 2
    s.order_rectification(max(15, shortest), 45)
    assert s.rectification_deadline is not None
    s.fit(s.rectification_deadline + timedelta(days=7) > AS_OF_TIME)
    return "rectification_ordered"


def _rectification_overdue(s: _Script) -> str:
    """A rectification order whose verification visit is overdue at :data:`AS_OF_TIME`."""
    s.receive(10, 110)
    s.accept()
    s.assign()
    s.handle(7, 30)
    s.order_rectification()
    assert s.rectification_deadline is not None
    s.fit(s.rectification_deadline + timedelta(days=8) < AS_OF_TIME)
    return "rectification_ordered"


def _investigating(s: _Script) -> str:
    """Assigned and under investigation, its resolution deadline still ahead."""
    s.receive(110, 178)
    s.accept()
    s.assign()
    s.progress_until(AS_OF_TIME)
    assert s.due is not None
    s.fit(s.due > AS_OF_TIME)
    return "investigating"


def _investigating_overdue(s: _Script) -> str:
    """Under investigation past its 60-day resolution deadline; with option ``escalate`` a
    leader has decided on it as overdue."""
    s.receive(10, 110)
    s.accept()
    s.assign()
    s.progress_until(AS_OF_TIME)
    assert s.due is not None
    s.fit(s.due < AS_OF_TIME - timedelta(days=1))
    if s.has("escalate"):
        at = _work_time(s.rng, s.due + timedelta(days=s.rng.randint(1, 10)))
        s.fit(at <= AS_OF_TIME)
        s.escalate(at, ["overdue", *s.flag_grounds()])
    return "investigating"


def _investigating_extended(s: _Script) -> str:
    """Under investigation with its one extension, approved by the leader before the deadline."""
    s.receive(40, 135)
    s.accept()
    s.assign()
    assert s.due is not None
    s.extend(_work_time(s.rng, s.due - timedelta(days=s.rng.randint(2, 12))))
    s.progress_until(AS_OF_TIME)
    return "investigating"


def _resolved(s: _Script) -> str:
    """Resolved and answered, the follow-up visit not due yet (or, with option
    ``follow_up_overdue``, overdue); with option ``no_result`` the result reply is still owed."""
    s.receive(60, 170)
    s.accept()
    s.assign()
    s.resolve(s.pick(7, 40), with_result=not s.has("no_result"))
    if s.has("no_result"):
        s.fit(s.t + timedelta(days=2) < AS_OF_TIME)
    else:
        follow_up_due = s.t + timedelta(days=30)
        s.fit((follow_up_due < AS_OF_TIME) == s.has("follow_up_overdue"))
    return "resolved"


def _accepted(s: _Script) -> str:
    """Accepted in the last days before :data:`AS_OF_TIME`, not assigned yet."""
    s.receive(166, 181)
    s.accept()
    return "accepted"


def _received(s: _Script) -> str:
    """Registered in the last fortnight, the acceptance decision not due yet."""
    s.receive(170, 183)
    s.fit(s.received_at + timedelta(days=15) > AS_OF_TIME)
    return "received"


def _received_overdue(s: _Script) -> str:
    """Registered and left undecided past the 15-day acceptance deadline."""
    s.receive(100, 165)
    s.fit(s.received_at + timedelta(days=16) < AS_OF_TIME)
    return "received"


def _not_accepted(s: _Script) -> str:
    """Not accepted: with the reason, or the proper channel (review, the courts)."""
    s.receive(0, 178)
    s.turn_away()
    return "not_accepted"


def _referred(s: _Script) -> str:
    """Outside the bureau's remit: referred to the competent department, the complainant told."""
    s.receive(0, 178)
    s.turn_away()
    return "referred"


_SCENARIOS: dict[str, Callable[[_Script], str]] = {
    "closed": _closed,
    "reopened": _reopened,
    "reopened_handled_again": _reopened_handled_again,
    "reopened_investigating": _reopened_investigating,
    "closed_then_reopened": _closed_then_reopened,
    "rectification_verified": _rectification_verified,
    "rectification_failed": _rectification_failed,
    "rectification_awaiting": _rectification_awaiting,
    "rectification_overdue": _rectification_overdue,
    "investigating": _investigating,
    "investigating_overdue": _investigating_overdue,
    "investigating_extended": _investigating_extended,
    "resolved": _resolved,
    "accepted": _accepted,
    "received": _received,
    "received_overdue": _received_overdue,
    "not_accepted": _not_accepted,
    "referred": _referred,
}

_ATTEMPTS = 400


# --------------------------------------------------------------------------- the cases


def demo_cases(county: DemoCounty, seed: int = DEFAULT_SEED) -> tuple[DemoCase, ...]:
    """The demo casework of ``county``: about ninety scripts, received from
    :data:`WINDOW_START` to :data:`AS_OF_TIME`, in order of receipt, keyed ``DEMO-001``…

    Same county and seed → equal output. Every scenario of ``_PLAN`` occurs; channels are dealt
    by fixed shares and stations in turn, so each occurs several times whatever the seed.
    """
    rng = random.Random(f"demo-cases:{seed}")
    towns = _towns(county)
    specs = _specs()
    channels = _deal_channels(rng, specs)
    places = _deal_towns(rng, specs, towns)
    cases = [
        _write_case(rng, spec, channel, town)
        for spec, channel, town in zip(specs, channels, places, strict=True)
    ]
    cases.sort(key=lambda c: c.received_at)
    return tuple(replace(c, key=f"DEMO-{i:03d}") for i, c in enumerate(cases, start=1))


def _write_case(rng: random.Random, spec: _Spec, channel: str, town: _Town) -> DemoCase:
    profile = _profile(rng, spec, channel, town)
    scenario = _SCENARIOS[spec.scenario]
    for _ in range(_ATTEMPTS):
        script = _Script(rng, spec, profile)
        try:
            status = scenario(script)
            return script.finish(status)
        except _DoesNotFit:
            continue
    raise RuntimeError(f"no times fit the demo scenario {spec}")  # pragma: no cover


def _deal_channels(rng: random.Random, specs: Sequence[_Spec]) -> list[str]:
    """A channel per case: unreachable complainants wrote anonymous letters, late registrations
    are letters; the rest are dealt from a shuffled deck with :data:`_CHANNEL_SHARES`."""
    forced: list[str | None] = []
    for index, spec in enumerate(specs):
        if "unreachable" in spec.options:
            forced.append("letter")
        elif "late_registration" in spec.options:
            forced.append(("letter", "referral")[index % 2])
        else:
            forced.append(None)
    deck: list[str] = []
    for channel, share in _CHANNEL_SHARES:
        taken = sum(1 for f in forced if f == channel)
        deck.extend([channel] * max(0, round(share * len(specs)) - taken))
    rng.shuffle(deck)
    channels = []
    for spec, chosen in zip(specs, forced, strict=True):
        if chosen is None:
            fits = [i for i, c in enumerate(deck) if c != "outreach" or "desk" not in spec.options]
            chosen = deck.pop(fits[0]) if fits else "hotline_12369"
        channels.append(chosen)
    return channels


def _deal_towns(rng: random.Random, specs: Sequence[_Spec], towns: Sequence[_Town]) -> list[_Town]:
    """A station per case, in turn from a shuffled deck: every station gets its share. A desk
    case has no location; its station is the one its address names."""
    deck = [towns[i % len(towns)] for i in range(len(specs))]
    rng.shuffle(deck)
    return deck


def _late_replies(
    received_at: datetime,
    registered_at: datetime,
    contactable: bool,
    receipt: Mapping[str, object] | None,
    steps: Sequence[DemoStep],
) -> tuple[str, ...]:
    """Which replies were first given after their deadline (the default clocks), read from the
    script alone: receipt > 24 h after receipt of the complaint, acceptance notice > 15 days,
    first progress update > 30 days after acceptance while still investigating, result > 24 h
    after the first resolution, first follow-up visit > 30 days after the first result."""
    clocks = DEFAULT_CLOCKS
    first: dict[str, datetime] = {}
    accepted = resolved = None
    if receipt is not None:
        first["receipt"] = _told_at(receipt, registered_at)
    for step in steps:
        args = step.args
        if step.do == "classify":
            if args.get("notice") is not None:
                first.setdefault("acceptance_notice", _told_at(args["notice"], step.at))
            if args["classification"] in ("environmental", "petition") and accepted is None:
                accepted = step.at
        elif step.do == "reply":
            first.setdefault(str(args["kind"]), _told_at(args["reply"], step.at))
        elif step.do == "resolve":
            resolved = resolved or step.at
            if args.get("result") is not None:
                first.setdefault("result", _told_at(args["result"], step.at))
        elif step.do == "follow_up":
            first.setdefault("follow_up", _told_at(args["reply"], step.at))
    grace = clocks.reply_grace
    due: dict[str, datetime | None] = {
        "receipt": received_at + grace,
        "acceptance_notice": received_at + timedelta(days=clocks.acceptance_days),
        "progress": None,
        "result": resolved + grace if resolved else None,
        "follow_up": None,
    }
    if accepted is not None:
        progress_due = accepted + timedelta(days=clocks.progress_interval_days)
        if resolved is None or resolved > progress_due:
            due["progress"] = progress_due
    if "result" in first:
        due["follow_up"] = first["result"] + timedelta(days=clocks.follow_up_days)
    late = []
    for kind in REPLY_KINDS:
        if kind in ("receipt", "acceptance_notice", "progress") and not contactable:
            continue
        deadline = due[kind]
        if kind in first and deadline is not None and first[kind] > deadline:
            late.append(kind)
    return tuple(late)


def _told_at(draft: object, default: datetime) -> datetime:
    assert isinstance(draft, Mapping), draft
    at = draft.get("at")
    return default if at is None else datetime.fromisoformat(str(at))


def _weighted(rng: random.Random, choices: Sequence[tuple[str, int]]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
