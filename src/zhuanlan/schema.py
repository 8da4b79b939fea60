"""The content schema: which fields each kind of file takes, and checking them.

Checkers take the loaded YAML mapping and a `Problems` collector and return typed values;
every problem is recorded (with the field's line) rather than raised, so one run reports
all of them. Unknown fields are errors with a "did you mean" hint, in English or Chinese.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from zhuanlan.errors import Problems
from zhuanlan.frontmatter import YamlMapping
from zhuanlan.model import Institution, MechanismPart, SiteConfig
from zhuanlan.slugs import is_valid_slug

T = TypeVar("T")

SITE_FIELDS = (
    "title",
    "subtitle",
    "language",
    "base_url",
    "page_size",
    "search",
    "institution",
)
INSTITUTION_FIELDS = (
    "host",
    "operator",
    "address",
    "phone",
    "email",
    "icp",
    "police_record",
    "site_code",
)
COLUMN_FIELDS = ("title", "year", "subtitle", "status", "mechanism", "slug")
PART_FIELDS = ("key", "digit", "label", "motto")
ARTICLE_FIELDS = (
    "title",
    "date",
    "section",
    "order",
    "summary",
    "author",
    "source",
    "editor",
    "tags",
    "branch",
    "slug",
    "draft",
)
COLUMN_STATUSES = ("active", "archived")

# What editors are likely to type instead of the English field name.
_CHINESE_NAMES = {
    "标题": "title",
    "题目": "title",
    "日期": "date",
    "发布日期": "date",
    "时间": "date",
    "栏目": "section",
    "板块": "section",
    "部分": "section",
    "排序": "order",
    "顺序": "order",
    "摘要": "summary",
    "简介": "summary",
    "作者": "author",
    "来源": "source",
    "责任编辑": "editor",
    "编辑": "editor",
    "标签": "tags",
    "关键词": "tags",
    "支部": "branch",
    "党支部": "branch",
    "草稿": "draft",
    "年份": "year",
    "年度": "year",
    "副标题": "subtitle",
    "状态": "status",
    "机制": "mechanism",
    "语言": "language",
    "网址": "base_url",
    "每页篇数": "page_size",
    "分页": "page_size",
    "主办单位": "host",
    "承办单位": "operator",
    "地址": "address",
    "电话": "phone",
    "邮箱": "email",
    "备案号": "icp",
    "ICP备案号": "icp",
    "公安备案号": "police_record",
    "网站标识码": "site_code",
    "tag": "tags",
    "category": "section",
    "categories": "section",
    "description": "summary",
}

_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:(?:T| +)(\d{2}):(\d{2}))?$")
"""A date, optionally followed by a time of day: 2024-01-15, 2024-01-15 09:30, 2024-01-15T09:30."""
_DATE_HINT = "请写成 YYYY-MM-DD，例如 2024-01-15；需要时可加上时间 HH:MM，例如 2024-01-15 09:30"


@dataclass(frozen=True)
class ArticleFrontMatter:
    """An article's front matter after checking (see README.md for each field)."""

    title: str
    date: dt.date
    section: str | None
    order: int | None
    summary: str | None
    author: str | None
    source: str | None
    editor: str | None
    tags: tuple[str, ...]
    branch: str | None
    slug: str | None
    draft: bool
    time: dt.time | None = None
    """The time of day written after the date, if any; never made up. (Last and with a
    default, so that a parse cached on disk by an earlier version still reads.)"""


@dataclass(frozen=True)
class ColumnFrontMatter:
    """A column file's front matter after checking."""

    title: str
    year: int
    subtitle: str | None
    status: str
    mechanism: tuple[MechanismPart, ...]
    slug: str | None


class _Fields:
    """Reads typed fields out of one YAML mapping, recording problems as it goes."""

    def __init__(
        self, data: YamlMapping, path: str, line: int, problems: Problems, prefix: str = ""
    ) -> None:
        self.data = data
        self.path = path
        self.default_line = line
        self.problems = problems
        self.prefix = prefix

    def line(self, name: str) -> int:
        """The line of a field, or of the mapping when the field is absent."""
        return self.data.lines.get(name, self.default_line)

    def error(self, name: str, message: str, hint: str | None = None) -> None:
        """Record a problem with one field."""
        self.problems.add(self.path, self.line(name), self.prefix + name, message, hint)

    def check_known(self, allowed: tuple[str, ...]) -> None:
        """Report every field the schema does not know, with the closest known name."""
        for name in self.data:
            if name not in allowed:
                self.error(name, f"未知字段 {name}", _did_you_mean(name, allowed))

    def get(
        self,
        name: str,
        convert: Callable[[Any], T],
        *,
        required: bool = False,
    ) -> T | None:
        """The converted value of a field; None (and a problem if required) when absent."""
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.error(name, f"缺少必填字段 {name}", f"加上一行 {name}: …")
            return None
        try:
            return convert(value)
        except _Invalid as invalid:
            self.error(name, invalid.message, invalid.hint)
            return None


class _Invalid(Exception):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _did_you_mean(name: str, allowed: tuple[str, ...]) -> str:
    guess = _CHINESE_NAMES.get(name)
    if guess not in allowed:
        close = difflib.get_close_matches(name.lower(), allowed, n=1, cutoff=0.6)
        guess = close[0] if close else None
    listing = "可用字段：" + "、".join(allowed)
    return f"是不是想写 {guess}？{listing}" if guess else listing


def _text(value: Any) -> str:
    # Numbers are accepted as text (title: 2023); booleans, lists and mappings are not.
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _Invalid(
            f"应为一段文字，实际是 {_describe(value)}", "如含有冒号等符号，请给值加上引号"
        )
    return str(value).strip()


def _integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Invalid(
            f"应为整数，实际是 {_describe(value)}", "请写阿拉伯数字，不加引号，例如 2024"
        )
    return value


def _positive(value: Any) -> int:
    number = _integer(value)
    if number < 1:
        raise _Invalid(f"应为正整数，实际是 {number}", "例如 page_size: 20")
    return number


def _default(value: bool | None, default: bool) -> bool:
    return default if value is None else value


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Invalid(
            f"应为 true 或 false，实际是 {_describe(value)}", "写作 true 或 false，不加引号"
        )
    return value


def _date(value: Any) -> tuple[dt.date, dt.time | None]:
    """A date with an optional time of day (24-hour HH:MM); no time is ever assumed."""
    text = str(value).strip()
    match = _DATE_RE.match(text)
    if not match:
        # A full-width colon is what a Chinese input method types between hours and minutes.
        hint = "时间中的冒号请用半角“:”，例如 2024-01-15 09:30" if "：" in text else _DATE_HINT
        raise _Invalid(f"日期格式不正确：{text}", hint)
    year, month, day, hour, minute = match.groups()
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _Invalid(
            f"不存在的日期：{year}-{month}-{day}", "检查月份（1–12）和当月的天数"
        ) from None
    if hour is None:
        return date, None
    try:
        return date, dt.time(int(hour), int(minute))
    except ValueError:
        raise _Invalid(
            f"不存在的时间：{hour}:{minute}",
            "时间按 24 小时制写成 HH:MM，小时为 00–23，分钟为 00–59，例如 2024-01-15 09:30",
        ) from None


def _tags(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str | int) for item in items):
        raise _Invalid("应为标签列表", "例如 tags: [队伍建设, 党建品牌]")
    tags = [str(item).strip() for item in items]
    if any(not tag for tag in tags):
        raise _Invalid("标签不能为空", None)
    return tuple(dict.fromkeys(tags))


def _slug(value: Any) -> str:
    text = _text(value)
    if not is_valid_slug(text):
        raise _Invalid(
            f"slug 只能包含小写字母、数字、连字符和下划线：{text}",
            "例如 slug: 13355-mechanism",
        )
    return text


def _base_url(value: Any) -> str:
    text = _text(value)
    if not re.match(r"^https?://[^/\s]+(/\S*)?$", text):
        raise _Invalid(
            f"不是有效的网址：{text}", "例如 base_url: https://www.example.gov.cn/dangjian/"
        )
    return text if text.endswith("/") else text + "/"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, list):
        return "列表"
    if isinstance(value, dict):
        return "键值对"
    return repr(value)


def _mapping(value: Any, fields: _Fields, name: str) -> YamlMapping | None:
    if isinstance(value, YamlMapping):
        return value
    fields.error(name, f"{name} 应为键值对（下一级字段缩进书写）")
    return None


def check_site(data: YamlMapping, path: str, problems: Problems) -> SiteConfig:
    """Check ``site.yml``; a missing title falls back to the generic 党建专栏."""
    fields = _Fields(data, path, 1, problems)
    fields.check_known(SITE_FIELDS)
    institution = Institution()
    raw = data.get("institution")
    if raw is not None and (mapping := _mapping(raw, fields, "institution")) is not None:
        inner = _Fields(mapping, path, mapping.start_line, problems, "institution.")
        inner.check_known(INSTITUTION_FIELDS)
        institution = Institution(**{name: inner.get(name, _text) for name in INSTITUTION_FIELDS})
    return SiteConfig(
        title=fields.get("title", _text, required=True) or "",
        subtitle=fields.get("subtitle", _text),
        language=fields.get("language", _text) or "zh-CN",
        base_url=fields.get("base_url", _base_url),
        institution=institution,
        page_size=fields.get("page_size", _positive) or 20,
        search=_default(fields.get("search", _boolean), True),
    )


def check_column(data: YamlMapping, path: str, line: int, problems: Problems) -> ColumnFrontMatter:
    """Check a column file's front matter, including its mechanism."""
    fields = _Fields(data, path, line, problems)
    fields.check_known(COLUMN_FIELDS)
    status = fields.get("status", _text) or "active"
    if status not in COLUMN_STATUSES:
        fields.error("status", f"status 只能是 active 或 archived，实际是 {status}")
    return ColumnFrontMatter(
        title=fields.get("title", _text, required=True) or "",
        year=fields.get("year", _integer, required=True) or 0,
        subtitle=fields.get("subtitle", _text),
        status=status,
        mechanism=_check_mechanism(fields),
        slug=fields.get("slug", _slug),
    )


def _check_mechanism(fields: _Fields) -> tuple[MechanismPart, ...]:
    raw = fields.data.get("mechanism")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        fields.error(
            "mechanism", "mechanism 应为列表，每一项是机制的一个部分", "以 - key: … 的形式逐项书写"
        )
        return ()
    parts: list[MechanismPart] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        name = f"mechanism[{index}]"
        mapping = _mapping(item, fields, "mechanism")
        if mapping is None:
            continue
        part = _Fields(mapping, fields.path, mapping.start_line, fields.problems, name + ".")
        part.check_known(PART_FIELDS)
        key = part.get("key", _slug, required=True)
        digit = part.get("digit", _text, required=True)
        label = part.get("label", _text, required=True)
        if key and key in seen:
            part.error("key", f"机制部分的 key 重复：{key}", "每个部分的 key 必须不同")
        if key and digit and label and key not in seen:
            parts.append(MechanismPart(key, digit, label, part.get("motto", _text)))
        if key:
            seen.add(key)
    return tuple(parts)


def check_article(
    data: YamlMapping, path: str, line: int, problems: Problems
) -> ArticleFrontMatter | None:
    """Check an article's front matter; None when a required field is unusable."""
    fields = _Fields(data, path, line, problems)
    fields.check_known(ARTICLE_FIELDS)
    title = fields.get("title", _text, required=True)
    when = fields.get("date", _date, required=True)
    date, time = when if when else (dt.date.min, None)
    meta = ArticleFrontMatter(
        title=title or "",
        date=date,
        section=fields.get("section", _text),
        order=fields.get("order", _integer),
        summary=fields.get("summary", _text),
        author=fields.get("author", _text),
        source=fields.get("source", _text),
        editor=fields.get("editor", _text),
        tags=fields.get("tags", _tags) or (),
        branch=fields.get("branch", _text),
        slug=fields.get("slug", _slug),
        draft=fields.get("draft", _boolean) or False,
        time=time,
    )
    return meta if title and when else None
