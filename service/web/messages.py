"""Chinese wording for what the pages show from English sources: pydantic validation errors,
the planner's and the event checker's messages, and plan-job progress. The API keeps its English;
a message not known here is shown as it is, after the field's Chinese name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FIELDS = {
    "name": "活动名称",
    "start": "开始时间",
    "end": "结束时间",
    "minutes": "每场（分钟）",
    "tables": "桌数或桌名",
    "min_meetings": "每个项目最少会面",
    "max_meetings": "每个项目最多会面",
    "extra_min_grade": "加场最低预期评分",
    "projects": "参会项目编号",
    "resources": "参会资源方编号",
    "capacity": "本场接洽名额",
    "availability": "可参会时段",
    "conflict_of_interest": "回避同单位",
    "pins": "必见",
    "blocks": "屏蔽",
    "slots": "时段",
    "k": "显示条数",
    "page": "页码",
    "event": "活动",
    "type": "类型",
    "seed": "随机种子",
    "solver": "算法",
    "file": "文件",
    "kind": "表格内容",
    "mode": "导入方式",
    "scope": "生成范围",
    "project_id": "项目编号",
    "resource_id": "资源方编号",
    "action": "操作",
    "job": "任务",
}

_BY_TYPE = {
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "bool_parsing": "应为“是”或“否”",
    "missing": "必须填写",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "literal_error": "只能是 {expected}",
    "extra_forbidden": "不认识这一项",
    "list_type": "应为列表",
    "dict_type": "应为“编号=取值”的列表",
    "string_type": "应为文字",
    "time_parsing": "应为时间（如 14:00）",
}

# English messages of the event checker and the planner → Chinese (first match wins)
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in (
        (r"slots need end after start", "结束时间应晚于开始时间，且每场时长应为正数"),
        (r"meetings per project need 0 <= min <= max", "每个项目的最少会面数应不大于最多会面数"),
        (r"not a time HH:MM: (.*)", r"不是 HH:MM 格式的时间：\1"),
        (r"slot index (\S+) outside 0\.\.(\d+)", r"时段序号 \1 超出范围 0–\2"),
        (r"not a slot label, index or HH:MM-HH:MM window: (.*)", r"不是时段或时间窗：\1"),
        (r"an id must be non-empty and contain no slashes", "编号不能为空，也不能含斜杠"),
        (r"control characters .* are not allowed", "不能含控制字符"),
        (r"text must not be blank", "不能为空"),
        (r"text must be valid Unicode.*", "文字编码有误"),
        (r"invalid \w+ (.*); allowed: (.*)", r"无效取值 \1；可选：\2"),
        (r"unknown key", "不认识这一项"),
        (r"expected a list of .*", "应为编号对的列表"),
        (r"give exactly one of project_id and resource_id", "项目编号与资源方编号须二选一"),
        (r"the event was deleted", "活动已被删除"),
        (r"interrupted by a restart", "服务重启，任务中断，请重新运行排期"),
        (r"internal error: .*", "内部错误，请查看服务日志"),
        (r"preparing scores", "正在准备匹配分"),
        (r"assigning and scheduling meetings", "正在分配并排定会面"),
        (r"saving the plan", "正在保存排期"),
        (r"(\d+) meetings planned", r"已排 \1 场会面"),
    )
]


def chinese(message: str) -> str:
    """`message` in Chinese if it is one the pages know; else unchanged."""
    text = message.removeprefix("Value error, ")
    for pattern, zh in _PATTERNS:
        found = pattern.search(text)
        if found:
            return found.expand(zh)
    return text


def field_name(loc: Iterable[Any]) -> str:
    """The Chinese name of the field an error's `loc` points at (the body/query prefix dropped)."""
    parts = [str(x) for x in loc if x not in ("body", "query", "path", "form")]
    names = [FIELDS.get(p, p) for p in parts]
    return " · ".join(names)


def validation_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as "字段：问题"."""
    template = _BY_TYPE.get(str(error.get("type", "")))
    ctx = {k: str(v) for k, v in (error.get("ctx") or {}).items()}
    try:
        problem = template.format(**ctx) if template else chinese(str(error.get("msg", "")))
    except (KeyError, IndexError):
        problem = chinese(str(error.get("msg", "")))
    where = field_name(error.get("loc", ()))
    return f"{where}：{problem}" if where else problem
