"""The bureau's controlled vocabularies: English codes for the data, Chinese labels for people.

Codes are what is stored and sent over the wire; they never change once data uses them. Labels
are what staff read and, in import files, often type. :func:`require_choice` therefore accepts a
code in any letter case *or* its Chinese label, and always returns the code.

Every vocabulary is a read-only mapping ``code -> label`` in a fixed, meaningful order (the order
lists and drop-downs should show).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bureau.errors import InvalidInput

__all__ = [
    "CASE_CLASSIFICATIONS",
    "CHANNELS",
    "COMPLAINT_CATEGORIES",
    "DESKS",
    "FIVE_ENTERS",
    "INDUSTRIES",
    "MUST_VISIT_CATEGORIES",
    "POLLUTANTS",
    "FOLLOW_UP_OUTCOMES",
    "PROJECT_STATUSES",
    "REPLY_KINDS",
    "REPLY_METHODS",
    "ROLES",
    "Vocabulary",
    "choice_problem",
    "label_of",
    "require_choice",
]

Vocabulary = Mapping[str, str]


def _vocabulary(pairs: dict[str, str]) -> Vocabulary:
    return MappingProxyType(pairs)


ROLES: Vocabulary = _vocabulary(
    {
        "admin": "管理员",
        "leader": "领导",
        "officer": "责任人/办案人员",
        "intake": "受理登记",
        "inspector": "巡查员",
        "station_staff": "环境管理站工作人员",
        "auditor": "审计",
    }
)
"""Account roles. What each may do is decided in :mod:`bureau.access`."""

MUST_VISIT_CATEGORIES: Vocabulary = _vocabulary(
    {
        "deputy": "人大代表和政协委员",
        "conduct_supervisor": "行风监督员",
        "enterprise_head": "重点企业负责人",
        "repeat_complainant": "重复信访人",
        "project_neighbour": "新建项目周边群众",
    }
)
"""The five kinds of people on the must-visit roster (五个必访)."""

PROJECT_STATUSES: Vocabulary = _vocabulary(
    {
        "approved": "已审批",
        "under_construction": "在建",
        "suspended": "停建",
        "completed": "已竣工",
    }
)
"""Where a new construction project (新建项目) stands."""

INDUSTRIES: Vocabulary = _vocabulary(
    {
        "chemical": "化工",
        "electroplating": "电镀",
        "printing_dyeing": "印染",
        "cement": "水泥",
        "livestock": "畜禽养殖",
        "food_processing": "食品加工",
        "metal_surface": "金属表面处理",
        "papermaking": "造纸",
        "pharmaceutical": "制药",
        "catering": "餐饮",
        "construction_materials": "建材",
        "waste_treatment": "固废处置",
    }
)
"""Industry of an enterprise; used to rank which enterprise a complaint is likely about."""

POLLUTANTS: Vocabulary = _vocabulary(
    {
        "waste_gas": "废气",
        "waste_water": "废水",
        "noise": "噪声",
        "solid_waste": "固体废物",
        "odour": "异味",
        "dust": "扬尘",
        "hazardous_waste": "危险废物",
        "radiation": "辐射",
    }
)
"""What an enterprise emits, and what a complaint is about."""

COMPLAINT_CATEGORIES: Vocabulary = _vocabulary(
    {
        **POLLUTANTS,
        "ecology": "生态破坏",
        "other": "其他",
    }
)
"""What a complaint is about: every pollutant, plus damage to ecology and anything else.

The pollutant codes come first and mean the same as in :data:`POLLUTANTS`, so that a complaint
about ``odour`` can be matched to enterprises that declare ``odour``.
"""

DESKS: Vocabulary = _vocabulary(
    {
        "air": "大气环境",
        "water": "水环境",
        "noise": "声环境",
        "solid_waste": "固体废物与化学品",
        "radiation": "辐射安全",
        "ecology": "自然生态",
        "general": "综合执法",
    }
)
"""Business scopes (业务范围): which kind of desk and responsible officer handles a complaint.

The station says *where* a complaint belongs; the desk says *what* expertise it needs. Which
category goes to which desk is decided in :mod:`bureau.scope`.
"""

CHANNELS: Vocabulary = _vocabulary(
    {
        "hotline_12369": "12369热线",
        "letter": "来信",
        "visit": "来访",
        "online": "网上信访",
        "outreach": "下访",
        "referral": "转办",
    }
)
"""How a complaint reached the bureau (渠道). ``visit`` is the walk-in (来访), as in DESIGN §1."""

REPLY_KINDS: Vocabulary = _vocabulary(
    {
        "receipt": "回执",
        "acceptance_notice": "回告",
        "progress": "回音",
        "result": "回复",
        "follow_up": "回访",
    }
)
"""The five replies (五回) owed to a complainant, in the order they are given. The codes are the
``kind`` of a synced ``complaint_event`` (:data:`sync.entities.EVENT_KINDS` adds ``note``)."""

REPLY_METHODS: Vocabulary = _vocabulary(
    {
        "phone": "电话",
        "sms": "短信",
        "letter": "书面/信函",
        "in_person": "当面",
        "online": "网上答复",
        "notice": "张贴公示",
    }
)
"""How the complainant was told. ``notice`` (a notice posted at the site or on the village board)
is for a complainant who left no way back (an anonymous letter); a reply always has a method."""

CASE_CLASSIFICATIONS: Vocabulary = _vocabulary(
    {
        "environmental": "环境信访事项",
        "petition": "信访事项",
        "review_or_litigation": "应通过复议诉讼等法定途径解决",
        "outside_remit": "不属本机关职能",
        "not_acceptable": "不予受理",
    }
)
"""What a received complaint is (定性), which decides its next status in
:func:`bureau.casework.classify`: the first two are accepted; ``review_or_litigation`` is not
accepted and the complainant is told the proper channel (administrative review or the courts);
``outside_remit`` is referred to the competent department, the complainant told where;
``not_acceptable`` is not accepted with a reason."""

FOLLOW_UP_OUTCOMES: Vocabulary = _vocabulary(
    {
        "satisfied": "满意",
        "unsatisfied": "不满意",
        "polluting_enterprise": "企业仍在污染",
    }
)
"""What a follow-up visit (回访) found: closed, reopened, or a rectification order (限期整改)."""

FIVE_ENTERS: Vocabulary = _vocabulary(
    {
        "agency": "机关",
        "enterprise": "企业",
        "community": "社区",
        "village": "农村",
        "household": "家庭",
    }
)
"""Targets of an outreach visit (五进)."""


def label_of(code: str, vocabulary: Vocabulary) -> str:
    """The Chinese label for a code, or the code itself when the vocabulary lacks it."""
    return vocabulary.get(code, code)


def choice_problem(value: object, vocabulary: Vocabulary) -> tuple[str | None, str | None]:
    """``(code, None)`` when ``value`` names a choice, else ``(None, reason)``.

    The non-raising form exists for validators that collect every problem of a row at once.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "required"
    if not isinstance(value, str):
        return None, f"must be one of: {', '.join(vocabulary)}"
    text = value.strip()
    lowered = text.lower()
    if lowered in vocabulary:
        return lowered, None
    for code, label in vocabulary.items():
        if text == label or text in label.split("/"):
            return code, None
    return None, f"must be one of: {', '.join(vocabulary)}"


def require_choice(value: object, vocabulary: Vocabulary, field: str) -> str:
    """Return the code ``value`` names, or raise :class:`InvalidInput` listing the choices."""
    code, reason = choice_problem(value, vocabulary)
    if code is None:
        assert reason is not None
        raise InvalidInput(f"{field}: {reason}", errors={field: [reason]})
    return code
