"""Python-Markdown's inline stage without the pattern tries that cannot match.

Why: for every piece of text, Python-Markdown's ``InlineProcessor`` tries each inline
pattern in turn (backtick, escape, footnote, links, images, autolinks, line break, HTML,
entity, emphasis), each try a Python call, a ``Registry`` look-up and a regex scan. Chinese
prose holds almost none of the characters those patterns start with, so most of that
work, about a third of the time spent rendering an article, finds nothing.

How: `GatedInlineProcessor` is the stock processor with one change in its private
``__handleInline`` loop: before trying a pattern on a text, it checks that the text holds
at least one of the pattern's *triggers*, strings that every match of the pattern's regex
needs (``[`` for a link, ``*`` or ``_`` for emphasis). A text holding none of them cannot
match, so the stock ``__applyPattern`` would find nothing, call no ``handleMatch`` and
return ``(data, False, 0)``; the skip does exactly that: next pattern, ``startIndex`` back
to 0. Patterns whose ``ANCESTOR_EXCLUDES`` apply return the same, so skipping them too
changes nothing. The patterns come from a plain list taken from the registry in priority
order (what ``Registry.__getitem__(int)`` serves) instead of a registry look-up per try.

Why it stays exact:
- a gate is keyed on the pattern's registered name *and* on the source and flags of the
  regex it was worked out from; any other pattern (another Python-Markdown version,
  another extension) has no gate and is tried on every text, as before;
- a trigger is only checked against the whole text, which holds every match a search from
  any start position can find, lookarounds included;
- if the private methods this relies on are missing or have other parameters, or the
  converter's ``inline`` processor is not the stock class, `install_fast_inline` leaves the
  converter alone.
"""

from __future__ import annotations

import inspect
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Final, TypeVar

import markdown
from markdown import util
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor

_T = TypeVar("_T")

_FLAGS: Final = re.DOTALL | re.UNICODE
"""The flags Python-Markdown compiles new-style inline patterns with."""

GATES: Final[Mapping[tuple[str, str, int], tuple[str, ...]]] = {
    # Both alternatives need a backtick: the first looks ahead for one, the second is one.
    ("backtick", r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", _FLAGS): ("`",),
    ("escape", r"\\(.)", _FLAGS): ("\\",),
    ("footnote", r"\[\^([^\]]*)\]", _FLAGS): ("[^",),
    ("reference", r"(?<!\!)\[", _FLAGS): ("[",),
    ("link", r"(?<!\!)\[", _FLAGS): ("[",),
    ("image_link", r"\!\[", _FLAGS): ("![",),
    ("image_reference", r"\!\[", _FLAGS): ("![",),
    ("short_reference", r"(?<!\!)\[", _FLAGS): ("[",),
    ("short_image_ref", r"\!\[", _FLAGS): ("![",),
    ("autolink", r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", _FLAGS): ("<",),
    ("automail", r"<([^<> !]+@[^@<> ]+)>", _FLAGS): ("<",),
    ("linebreak", r"  \n", _FLAGS): ("  \n",),
    # Tag, comment, processing instruction and CDATA all start with "<".
    (
        "html",
        r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?|"""
        r"!--(?:(?!<!--|-->).)*--|"
        r"[?](?:(?!<[?]|[?]>).)*[?]|"
        r"!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)",
        _FLAGS,
    ): ("<",),
    ("entity", r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)", _FLAGS): ("&",),
    ("em_strong", r"\*|_", _FLAGS): ("*", "_"),
}
"""Triggers by (registered name, regex source, regex flags): every match holds one of them."""

_HANDLE_INLINE: Final = "_InlineProcessor__handleInline"
_APPLY_PATTERN: Final = "_InlineProcessor__applyPattern"
_EXPECTED_PARAMETERS: Final = {
    _HANDLE_INLINE: ("self", "data", "patternIndex"),
    _APPLY_PATTERN: ("self", "pattern", "data", "patternIndex", "startIndex"),
}
"""The private methods the gate replaces or calls, with the parameters it assumes."""


def gate_for(name: str, pattern: Pattern) -> tuple[str, ...] | None:
    """The triggers of a registered inline pattern, or None when it must always be tried."""
    regex = pattern.getCompiledRegExp()
    return GATES.get((name, regex.pattern, regex.flags))


def internals_present() -> bool:
    """Whether this Python-Markdown has the private inline methods the gate builds on."""
    for method, expected in _EXPECTED_PARAMETERS.items():
        function = getattr(InlineProcessor, method, None)
        if not callable(function):
            return False
        if tuple(inspect.signature(function).parameters) != expected:
            return False
    return True


def install_fast_inline(md: markdown.Markdown) -> bool:
    """Replace `md`'s stock inline processor by a `GatedInlineProcessor`; say if it did.

    Call it once the extensions are registered. It does nothing, and returns False, when
    the internals are missing, the ``inline`` processor is not the stock class, or another
    tree processor shares its priority (registering anew could then change their order).
    """
    registry = md.treeprocessors
    if not internals_present() or "inline" not in registry:
        return False
    if type(registry["inline"]) is not InlineProcessor:
        return False
    order = _serving_order(registry)
    if order is None:
        return False
    priority = next(priority for name, priority, _ in order if name == "inline")
    if sum(1 for _, other, _ in order if other == priority) != 1:
        return False
    registry.register(GatedInlineProcessor(md), "inline", priority)
    return True


class GatedInlineProcessor(InlineProcessor):
    """The stock inline processor, skipping patterns whose triggers a text lacks."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.gated_patterns: list[tuple[Pattern, tuple[str, ...] | None]] = []
        self._apply: Callable[[Pattern, str, int, int], tuple[str, bool, int]] = getattr(
            self, _APPLY_PATTERN
        )
        self.take_snapshot()

    def take_snapshot(self) -> None:
        """List the inline patterns in the order the registry serves them, with their gates.

        Patterns are registered before the converter is used; taking the list again at
        each document (a few microseconds) keeps it right even if one is added later.
        """
        registry = self.md.inlinePatterns
        # Registry.__getitem__(int) sorts by priority first: serve them in that order.
        patterns = [registry[index] for index in range(len(registry))]
        order = _serving_order(registry)
        if order is None or any(
            item is not pattern for (_, _, item), pattern in zip(order, patterns, strict=True)
        ):
            self.gated_patterns = [(pattern, None) for pattern in patterns]
            return
        self.gated_patterns = [(pattern, gate_for(name, pattern)) for name, _, pattern in order]

    def run(self, tree: ET.Element, ancestors: list[str] | None = None) -> ET.Element:
        """Apply the inline patterns to `tree`, as the stock processor does."""
        self.take_snapshot()
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(  # noqa: N802 - overrides the stock private method
        self,
        data: str,
        patternIndex: int = 0,  # noqa: N803 - the stock name: callers may pass it by name
    ) -> str:
        """The stock loop over the patterns from `patternIndex`, skipping hopeless tries."""
        if isinstance(data, util.AtomicString):
            return data
        apply = self._apply
        patterns = self.gated_patterns
        count = len(patterns)
        index = patternIndex
        start_index = 0
        while index < count:
            pattern, triggers = patterns[index]
            if triggers is not None:
                for trigger in triggers:
                    if trigger in data:
                        break
                else:
                    # What __applyPattern returns when its regex finds nothing.
                    index += 1
                    start_index = 0
                    continue
            data, matched, start_index = apply(pattern, data, index, start_index)
            if not matched:
                index += 1
        return data


def _serving_order(registry: util.Registry[_T]) -> list[tuple[str, float, _T]] | None:
    """Names, priorities and items in the order the registry serves them, if it tells."""
    items = list(registry)  # sorts by priority first, as indexing does
    entries = getattr(registry, "_priority", None)
    if not isinstance(entries, list) or len(entries) != len(items):
        return None
    try:
        named = [(str(entry.name), float(entry.priority)) for entry in entries]
    except (AttributeError, TypeError, ValueError):
        return None
    if any(registry[name] is not item for (name, _), item in zip(named, items, strict=True)):
        return None
    return [(name, priority, item) for (name, priority), item in zip(named, items, strict=True)]
