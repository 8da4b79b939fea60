"""Chinese typography lint and punctuation fixer: rules, what is left alone, exact bytes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from zhuanlan.text import HAN_RE
from zhuanlan.typography import Finding, fix_punctuation, lint_typography

SAMPLE = Path(__file__).resolve().parents[1] / "content" / "dajuan-2023"


def only(text: str, kind: str) -> list[tuple[int, int, str, str | None]]:
    """(line, column, found, suggestion) of the findings of one kind."""
    return [
        (f.line, f.column, f.found, f.suggestion) for f in lint_typography(text) if f.kind == kind
    ]


def body_of(path: Path) -> tuple[str, int]:
    """A Markdown file's body (after the front matter) and the file line it starts on."""
    lines = path.read_text(encoding="utf-8").split("\n")
    closing = lines.index("---", 1)
    return "\n".join(lines[closing + 1 :]), closing + 2


def offset_of(text: str, finding: Finding) -> int:
    """Where a finding points in `text` (columns do not count a leading BOM)."""
    bom = 1 if text.startswith("\ufeff") else 0
    lines = text[bom:].split("\n")
    return bom + sum(len(line) + 1 for line in lines[: finding.line - 1]) + finding.column - 1


# --- Half-width punctuation in Chinese text -------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "found", "suggestion"),
    [
        ("中文,中文", 1, 3, ",", "，"),
        ("中文;中文", 1, 3, ";", "；"),
        ("时间:上午九点", 1, 3, ":", "："),
        ("为什么?", 1, 4, "?", "？"),
        ("太好了!继续", 1, 4, "!", "！"),
        ("中文 ,中文", 1, 4, ",", "，"),  # space before: previous non-space char counts
        ("“好”,我们走", 1, 4, ",", "，"),  # a closing quote is looked through
        ("他说,“好”", 1, 3, ",", "，"),  # so is an opening one
        ("**重点**,然后", 1, 7, ",", "，"),  # emphasis markers are not punctuation
        ("第一行,\n第二行", 1, 4, ",", "，"),  # a soft line break joins the paragraph
        ("第一行\n,第二行", 2, 1, ",", "，"),
        ("（注）,中文", 1, 4, ",", "，"),
        ("段落\n\n第二段, 其中,中文", 3, 8, ",", "，"),
    ],
)
def test_half_width_punctuation_between_chinese(
    text: str, line: int, column: int, found: str, suggestion: str
) -> None:
    assert only(text, "ascii-punctuation") == [(line, column, found, suggestion)]
    [finding] = lint_typography(text)
    assert finding.fixable


@pytest.mark.parametrize(
    "text",
    [
        "English, words; and: more? yes! (really)",
        "中文, 中文",  # a space after: not "Chinese on both sides", left alone
        "2023年,3302件",  # a digit after
        "结案率95.61%,其中",  # a per-cent sign before
        "中文,English",
        "详见:https://example.com/",
        "他说“yes”?",  # English inside the quotes
        "第一段,\n\n第二段",  # a blank line is a paragraph break
        "中文\n\n,中文",
        "中文,，中文",
        "Hello!",
        "a?b",
        "English (note) text",
        "中文 (note) text",  # a space between: the brackets do not touch Chinese
        "中文(注",  # no partner
    ],
)
def test_half_width_punctuation_outside_chinese_is_fine(text: str) -> None:
    assert only(text, "ascii-punctuation") == []
    assert fix_punctuation(text) == (text, [])


def test_question_and_exclamation_runs_are_fixed_together() -> None:
    assert fix_punctuation("真的吗?!")[0] == "真的吗？！"
    assert only("真的吗?!", "ascii-punctuation") == [(1, 4, "?", "？"), (1, 5, "!", "！")]


def test_messages_name_the_marks() -> None:
    [comma] = lint_typography("中文;中文")
    assert comma.message == "中文之间使用了半角分号“;”"
    assert comma.hint == "改为全角分号“；”"
    [question] = lint_typography("为什么?")
    assert question.message == "中文后使用了半角问号“?”"
    assert question.hint == "改为全角问号“？”"


def test_first_line_makes_lines_file_lines() -> None:
    [finding] = lint_typography("正文\n中文,中文", first_line=12)
    assert (finding.line, finding.column) == (13, 3)


# --- Brackets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "columns", "fixed"),
    [
        ("中文(注释)中文", [3, 6], "中文（注释）中文"),
        ("(中文)", [1, 4], "（中文）"),  # Chinese inside
        ("中文(English)", [3, 11], "中文（English）"),  # touching Chinese on the left
        ("(note)中文", [1, 6], "（note）中文"),  # on the right
        ("中文((a))", [3, 7], "中文（(a)）"),  # the inner pair touches only brackets
        ("((中文))", [1, 2, 5, 6], "（（中文））"),
        ("中文(注,释)", [3, 5, 7], "中文（注，释）"),
    ],
)
def test_brackets_around_or_beside_chinese(text: str, columns: list[int], fixed: str) -> None:
    findings = lint_typography(text)
    assert [f.column for f in findings] == columns
    assert fix_punctuation(text)[0] == fixed


def test_bracket_hint_points_at_its_partner() -> None:
    opening, closing = lint_typography("第一行(注释\n续行)中文")
    assert (opening.line, opening.column, closing.line, closing.column) == (1, 4, 2, 3)
    assert opening.message == "中文括注使用了半角左括号“(”"
    assert opening.hint == "改为全角左括号“（”，与第 2 行第 3 列的“)”一并修改"
    assert closing.hint == "改为全角右括号“）”，与第 1 行第 4 列的“(”一并修改"


def test_brackets_pair_within_a_paragraph_only() -> None:
    assert lint_typography("中文(注\n\n释)中文") == []


# --- Full-width letters and digits ----------------------------------------------------------


def test_full_width_letters_and_digits_are_reported_not_fixed() -> None:
    text = "共１２３件，ＡＢＣ类，Ｗｉｎ１０系统"
    assert only(text, "full-width-alphanumeric") == [
        (1, 2, "１２３", "123"),
        (1, 7, "ＡＢＣ", "ABC"),
        (1, 12, "Ｗｉｎ１０", "Win10"),
    ]
    digits, letters, mixed = lint_typography(text)
    assert (digits.message, digits.hint) == ("使用了全角数字“１２３”", "改为半角数字“123”")
    assert (letters.message, letters.hint) == ("使用了全角字母“ＡＢＣ”", "改为半角字母“ABC”")
    assert mixed.message == "使用了全角字母和数字“Ｗｉｎ１０”"
    assert not any(f.fixable for f in (digits, letters, mixed))
    assert fix_punctuation(text) == (text, [])


def test_other_full_width_forms_are_not_alphanumerics() -> None:
    assert only("中文，（注）：１", "full-width-alphanumeric") == [(1, 8, "１", "1")]
    assert only("2023年", "full-width-alphanumeric") == []


# --- Doubled punctuation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "column", "found", "suggestion"),
    [
        ("中文，，中文", 3, "，，", "，"),
        ("结束。。", 3, "。。", "。"),
        ("甲、、乙", 2, "、、", "、"),
        ("甲；；乙", 2, "；；", "；"),
        ("如下：：", 3, "：：", "："),
        ("中文，。", 3, "，。", "，"),
        ("中文。，中文", 3, "。，", "。"),
        ("真的。？", 3, "。？", "。"),
    ],
)
def test_doubled_punctuation(text: str, column: int, found: str, suggestion: str) -> None:
    assert only(text, "doubled-punctuation") == [(1, column, found, suggestion)]
    [finding] = lint_typography(text)
    assert not finding.fixable
    assert found in finding.message
    assert suggestion in finding.hint


@pytest.mark.parametrize(
    "text", ["真的？！", "好！！", "什么？？", "难道！？", "等等……", "破折号——说明"]
)
def test_emphatic_marks_are_not_doubled(text: str) -> None:
    assert lint_typography(text) == []


def test_doubled_messages() -> None:
    [same] = lint_typography("中文，，中文")
    assert (same.message, same.hint) == ("重复使用了标点“，，”", "只保留一个“，”")
    [mixed] = lint_typography("中文，。")
    assert (mixed.message, mixed.hint) == ("连用了多个标点“，。”", "删去多余的标点，只保留“，”")


# --- Quotes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "positions"),
    [
        ("他说“好", [(1, 3, "“")]),
        ("好”他说", [(1, 2, "”")]),
        ("“甲“乙”", [(1, 1, "“")]),  # the second opening pairs with the close
        ("“甲”乙”", [(1, 5, "”")]),
        ("“开始\n\n结束”", [(1, 1, "“"), (3, 3, "”")]),  # paragraphs do not share quotes
        ("“开始\n结束”", []),
        ("“甲”和“乙”", []),
        ("`“` 是左引号", []),  # in code
    ],
)
def test_unpaired_quotes(text: str, positions: list[tuple[int, int, str]]) -> None:
    found = [(f.line, f.column, f.found) for f in lint_typography(text)]
    assert found == positions
    for finding in lint_typography(text):
        assert finding.kind == "unpaired-quote"
        assert finding.suggestion is None
        assert not finding.fixable


def test_unpaired_quote_messages() -> None:
    [opening] = lint_typography("他说“好")
    assert opening.message == "左引号 “ 在本段中没有配对的右引号 ”"
    assert opening.hint == "补上右引号 ”，或删去多余的左引号"
    [closing] = lint_typography("好”")
    assert closing.message == "右引号 ” 在本段中没有配对的左引号 “"


# --- Markdown that is not article text ------------------------------------------------------

UNTOUCHED = [
    "```\n中文,中文（１２３）。。“\n```",
    "```python\nprint(中文)\n```\n",
    "~~~\n中文,中文\n~~~",
    "````\n```\n中文,中文\n````",  # a shorter fence does not close a longer one
    "> ```\n> 中文,中文\n> ```",
    "- ```\n  中文,中文\n  ```",
    "```\n中文,中文",  # an unclosed fence runs to the end
    "    中文,中文",  # indented code at the start of the body
    "段落\n\n    中文,中文\n\n\t中文;中文",
    "`中文,中文`",
    "``中文`,`中文``",
    "`中文\n,中文`",  # a code span may cross a line break
    "`a`,中文",
    "中文`(a)`中文",
    "见[说明](说明,文档(中文).md)",
    "见[说明](https://example.com/a(中文) '标题,中文')",
    "中文![图片](a.png)",
    "网址https://example.com/a,b?c=(1)!中文",
    "网址www.example.com/a,b中文",
    "<https://example.com/中文,中文>",
    "<名字@example.com>",
    '中文<span title="中文,中文">文字</span>',
    "<!-- 中文,中文 -->",
    "[参考]: https://example.com/中文,中文",
    "中文\\,中文",  # a backslash escape: the author wants it literal
]


@pytest.mark.parametrize("text", UNTOUCHED)
def test_markdown_syntax_code_and_urls_are_left_alone(text: str) -> None:
    assert lint_typography(text) == []
    assert fix_punctuation(text) == (text, [])


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("中文\n    中文,中文", 2, 7),  # indented right after text: a lazy continuation line
        ("```\ncode\n```\n中文,中文", 4, 3),  # after the fence closes
        ("[注,释](url)", 1, 3),  # link text is article text
        ("[^1]: 脚注,中文", 1, 9),  # a footnote is not a reference definition
        ("`a` 中文,中文 `b`", 1, 7),
        ("<b>中文,中文</b>", 1, 6),  # text between tags is article text
    ],
)
def test_article_text_next_to_markdown_is_checked(text: str, line: int, column: int) -> None:
    assert [(f.line, f.column) for f in lint_typography(text)] == [(line, column)]


# --- Exact bytes -------------------------------------------------------------------------


def test_fix_keeps_crlf_bom_tabs_and_trailing_spaces_byte_for_byte() -> None:
    text = "\ufeff中文,中文  \r\n\t第二行(注)\r\n\r\n```\r\n代码,代码\r\n```\r\n共１２３件。。\r\n"
    fixed, findings = fix_punctuation(text)
    expected = (
        "\ufeff中文，中文  \r\n\t第二行（注）\r\n\r\n```\r\n代码,代码\r\n```\r\n共１２３件。。\r\n"
    )
    assert fixed.encode("utf-8") == expected.encode("utf-8")
    assert [(f.line, f.column, f.found) for f in findings] == [
        (1, 3, ","),
        (2, 5, "("),
        (2, 7, ")"),
    ]
    assert all(f.fixable for f in findings)
    assert fix_punctuation(fixed) == (fixed, [])


def test_fix_returns_only_fixable_findings() -> None:
    text = "中文,中文，，共１２３件“"
    fixed, findings = fix_punctuation(text)
    assert fixed == "中文，中文，，共１２３件“"
    assert [f.kind for f in findings] == ["ascii-punctuation"]
    assert {f.kind for f in lint_typography(text)} == {
        "ascii-punctuation",
        "doubled-punctuation",
        "full-width-alphanumeric",
        "unpaired-quote",
    }


# --- Properties --------------------------------------------------------------------------

PIECES = [
    "中", "文", "字", "a", "Z", "1", " ", "\t", "\n", "\r\n", "\n\n", "    ",
    ",", ";", ":", "?", "!", "(", ")", "，", "。", "？", "！", "（", "）", "“", "”", "’",
    "１", "Ａ", "*", "**", "_", "~", "`", "```", "~~~", "[", "]", "](", "![", "<", ">",
    "<b>", "</b>", "http://", "https://a.b/", "\\", "#", "> ", "- ", "[x]: ", "[^1]: ",
    "\ufeff", "\0",
]  # fmt: skip
markdown = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
HAN_FREE_PIECES = [piece for piece in PIECES if not HAN_RE.search(piece)]
no_han = st.one_of(
    st.lists(st.sampled_from(HAN_FREE_PIECES), max_size=40).map("".join),
    st.text().filter(lambda text: not HAN_RE.search(text)),
)


@given(st.one_of(markdown, st.text()))
@example("中文(（)(b)中文")
@example("中((a)b(c))")
def test_fix_is_idempotent(text: str) -> None:
    fixed, _ = fix_punctuation(text)
    assert fix_punctuation(fixed) == (fixed, [])


@given(st.one_of(markdown, st.text()))
@example("\ufeff中文,中文\r\n(注)")
def test_fix_changes_only_the_reported_characters(text: str) -> None:
    fixed, findings = fix_punctuation(text)
    assert len(fixed) == len(text)
    offsets = {offset_of(text, finding): finding for finding in findings}
    assert len(offsets) == len(findings)
    changed = {index for index, (a, b) in enumerate(zip(text, fixed, strict=True)) if a != b}
    assert changed == set(offsets)
    for offset, finding in offsets.items():
        assert (text[offset], fixed[offset]) == (finding.found, finding.suggestion)
    assert findings == [f for f in lint_typography(text) if f.fixable]


@given(no_han)
def test_text_without_chinese_is_never_changed(text: str) -> None:
    assert fix_punctuation(text) == (text, [])
    assert all(f.kind != "ascii-punctuation" for f in lint_typography(text))


@given(st.one_of(markdown, st.text()), st.integers(min_value=1, max_value=500))
def test_findings_point_inside_the_text(text: str, first_line: int) -> None:
    lines = text.removeprefix("\ufeff").split("\n")
    for finding in lint_typography(text, first_line):
        line = lines[finding.line - first_line]
        assert line[finding.column - 1 :].startswith(finding.found)


# --- The sample column ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLE.glob("*.md")), ids=lambda path: path.name)
def test_sample_articles_are_clean(path: Path) -> None:
    body, first_line = body_of(path)
    assert body.strip()
    assert lint_typography(body, first_line) == []
    assert fix_punctuation(body) == (body, [])


def test_a_real_paragraph_with_half_width_commas() -> None:
    body, first_line = body_of(SAMPLE / "1-goal.md")
    # Every full-width comma between two Han characters, made half-width.
    broken = re.sub(r"(?<=[\u4e00-\u9fff])，(?=[\u4e00-\u9fff])", ",", body)
    assert broken != body
    findings = lint_typography(broken, first_line)
    assert findings
    assert all(
        (f.kind, f.found, f.suggestion) == ("ascii-punctuation", ",", "，") for f in findings
    )
    file_lines = (SAMPLE / "1-goal.md").read_text(encoding="utf-8").split("\n")
    for finding in findings:
        # The reported line and column are those of the file, at a comma that was changed.
        assert file_lines[finding.line - 1][finding.column - 1] == "，"
    fixed, applied = fix_punctuation(broken)
    assert fixed == body
    assert len(applied) == len(findings) == broken.count(",")
