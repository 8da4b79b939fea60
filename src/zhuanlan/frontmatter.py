"""Front matter: splitting it from the body, and loading YAML safely with line numbers.

The loader is PyYAML's C-accelerated safe loader, restricted further:
- no Python or other application tags (the safe constructor already refuses them);
- no anchors or aliases (a "billion laughs" file cannot blow up memory, and an alias in
  an article is always a mistake);
- no duplicate keys (PyYAML silently keeps the last one);
- no implicit timestamps: dates stay strings so the schema can report a bad date as a
  bad date, with its line, instead of PyYAML raising a bare ``ValueError``.
Every mapping remembers the line of each key, so problems can point at the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

try:  # The C loader is ~6x faster; fall back to pure Python where libyaml is missing.
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class YamlMapping(dict[str, Any]):
    """A mapping loaded from YAML that also knows the file line of each key."""

    def __init__(self, start_line: int = 1) -> None:
        super().__init__()
        self.start_line = start_line
        """File line where the mapping starts."""
        self.lines: dict[str, int] = {}
        """File line of each key."""


class FrontMatterSyntaxError(Exception):
    """The YAML could not be loaded; `line` is the file line, when known."""

    def __init__(
        self, message: str, line: int | None, hint: str | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.field = field


_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _StrictLoader(_BaseLoader):
    """Safe loader without aliases, duplicate keys or implicit timestamps."""

    yaml_implicit_resolvers = {  # noqa: RUF012 - PyYAML's class-level registry
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    first_line = 1
    """File line of the YAML text's first line, so every reported line is a file line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # A node reached a second time can only come from an alias (*name).
        if node in self.constructed_objects:
            raise FrontMatterSyntaxError(
                "不支持 YAML 锚点与别名（& 和 *）",
                node.start_mark.line + self.first_line,
                "请直接写出完整的值",
            )
        return super().construct_object(node, deep=deep)

    def construct_yaml_map(self, node: yaml.MappingNode) -> Any:
        mapping = YamlMapping(node.start_mark.line + self.first_line)
        yield mapping
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                raise FrontMatterSyntaxError(
                    f"字段 {key} 重复出现（第 {mapping.lines[key]} 行已有）",
                    key_node.start_mark.line + self.first_line,
                    "删除多余的一项；YAML 中同一字段只能出现一次",
                    field=key,
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            mapping.lines[key] = key_node.start_mark.line + self.first_line


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_yaml_map)


def load_yaml(text: str, first_line: int = 1) -> Any:
    """Load one YAML document with the strict loader; raise `FrontMatterSyntaxError`.

    `first_line` is the file line the text starts on; every line reported counts from it.
    """
    loader = _StrictLoader(text)
    loader.first_line = first_line
    try:
        return loader.get_single_data()
    except FrontMatterSyntaxError:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + first_line if mark else None
        problem = error.problem or error.context or "无法解析"
        if isinstance(error, yaml.constructor.ConstructorError) and "tag" in str(problem):
            raise FrontMatterSyntaxError(
                "不允许使用 YAML 标签（如 !!python/object）", line, "去掉以 ! 开头的标签"
            ) from None
        raise FrontMatterSyntaxError(
            f"YAML 语法错误：{_translate(problem)}",
            line,
            "检查缩进、冒号后的空格，以及含有冒号或引号的值是否加了引号",
        ) from None
    except yaml.YAMLError as error:
        raise FrontMatterSyntaxError(f"YAML 语法错误：{error}", None) from None
    finally:
        loader.dispose()


# PyYAML's most frequent complaints, in the words an editor understands.
_TRANSLATIONS = (
    ("mapping values are not allowed", "这里不能再出现“字段: 值”；值里含有冒号时请给整个值加引号"),
    ("did not find expected ',' or ']'", "方括号列表没有正确闭合，缺少 ] 或逗号"),
    ("did not find expected ',' or '}'", "花括号没有正确闭合，缺少 } 或逗号"),
    ("could not find expected ':'", "缺少冒号，应写成“字段: 值”"),
    ("that cannot start any token", "含有不能出现在此处的字符（例如 Tab 缩进或行首的 @、`）"),
    ("found unexpected end of stream", "引号没有闭合"),
    ("did not find expected key", "缩进不一致，或某一行缺少“字段:”"),
    ("found undefined alias", "不支持 YAML 别名（*）"),
    ("expected <block end>, but found", "缩进不一致"),
)


def _translate(problem: str) -> str:
    for english, chinese in _TRANSLATIONS:
        if english in problem:
            return chinese
    return problem


@dataclass(frozen=True)
class SplitDocument:
    """A Markdown file cut into its front matter and its body."""

    front_matter: str | None
    """The YAML text between the fences, or None when the file has no front matter."""
    front_matter_line: int
    """1-based line where the YAML text starts (the line after the opening ``---``)."""
    body: str
    """The Markdown after the closing fence."""
    body_line: int
    """1-based line where the body starts."""


_OPENING = re.compile(r"\A---[ \t]*\n")
_CLOSING = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


class UnclosedFrontMatter(Exception):
    """The file opens a front matter block that never ends."""


def split_front_matter(text: str) -> SplitDocument:
    """Separate ``---``-fenced YAML front matter from the Markdown body."""
    opening = _OPENING.match(text)
    if not opening:
        return SplitDocument(None, 1, text, 1)
    closing = _CLOSING.search(text, opening.end())
    if not closing:
        raise UnclosedFrontMatter
    yaml_text = text[opening.end() : closing.start()]
    body_start = closing.end() + 1 if closing.end() < len(text) else closing.end()
    body_line = text.count("\n", 0, body_start) + 1
    return SplitDocument(yaml_text, 2, text[body_start:], body_line)
