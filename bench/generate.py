"""Generate a synthetic zhuanlan project of N Chinese articles, deterministically.

    python bench/generate.py OUT_DIR --articles N [--seed S] [--force]

The text is recombined from the sample's own clauses (``content/**/*.md`` of this
repository, split at ，。；、 outside quotes and book-title marks), so it reads like the
sample: real Chinese with full-width punctuation. Each article is about 5 KB: 3–8
paragraphs, 1–3 ``##`` headings, one list, one table and bold text, under YAML front matter.
There are max(3, round(N / 250)) columns spread over 2019–2024; about half of them have a
five-part mechanism like "13355", whose articles carry a ``section``. The same seed and
sample always give byte-identical files. Standard library only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"

ARTICLE_BYTES = (4300, 5300)
"""Range of an article file's size in bytes (UTF-8, front matter included)."""
YEARS = range(2019, 2025)
PARTS_PER_MECHANISM = 5


def _words(text: str) -> tuple[str, ...]:
    """The space-separated words of `text`."""
    return tuple(text.split())


# Pools for the front matter. Tags start with the sample's own.
TAGS = _words(
    "从严治党 审判执行 党建机制 队伍建设 思想引领 组织建设 法院文化 群团工作 关爱干警 支部建设 "
    "党建品牌 党风廉政 能动司法 志愿服务 乡村振兴 主题教育 理论学习 三会一课 党员教育 基层党建 "
    "作风建设 廉政教育 警示教育 纪律建设 政治建设 模范机关 青年干警 巾帼建功 工会工作 共青团 "
    "诉源治理 多元解纷 执行攻坚 司法为民 司法公开 智慧法院 营商环境 优化服务 便民诉讼 信访化解 "
    "未成年人保护 家事审判 生态环境 文明创建 结对帮扶 红色教育 先进典型 宣传思想 新媒体 读书活动 "
    "业务培训 庭审观摩 文书评查 案件质效 考核评价 民主评议 党建联建 法治宣传 普法教育 平安建设"
)
BRANCHES = (
    "机关党委",
    "机关纪委",
    "行政综合党支部",
    "立案庭党支部",
    "刑事审判党支部",
    "民事审判第一党支部",
    "民事审判第二党支部",
    "行政审判党支部",
    "执行局党支部",
    "审判管理党支部",
    "政治部党支部",
    "离退休干部党支部",
)
SOURCES = (
    "张掖市中级人民法院",
    "张掖中院机关党委",
    "张掖中院政治部",
    "张掖中院办公室",
    "甘州区人民法院",
    "临泽县人民法院",
    "高台县人民法院",
    "山丹县人民法院",
    "民乐县人民法院",
)
PEOPLE = _words("王磊 李娜 张伟 刘洋 陈静 杨帆 赵敏 黄强 周婷 吴斌 徐丽 孙浩 马超 朱琳 胡军 郭瑞")
COLUMN_WORDS = _words("答卷 奋进 笃行 实干 初心 担当 先锋 堡垒 红旗 匠心 砥砺 逐梦")
COLUMN_KINDS = _words("党建篇 专题 纪实 巡礼 风采 回眸")
ORGS = ("张掖中院", "甘州法院", "临泽法院", "高台法院", "山丹法院", "民乐法院")
# Mechanism parts: (key, verb, measure word, noun, motto); five distinct ones per column.
PARTS = (
    ("goal", "明确", "个", "目标", "铆定努力方向"),
    ("leads", "突出", "个", "引领", "激发奋进力量"),
    ("groups", "夯实", "个", "团体", "凝聚队伍合力"),
    ("constructions", "加强", "项", "建设", "提升履职能力"),
    ("functions", "发挥", "项", "职能", "服务全市大局"),
    ("brands", "打造", "个", "品牌", "擦亮党建名片"),
    ("positions", "建强", "个", "阵地", "筑牢战斗堡垒"),
    ("actions", "开展", "项", "行动", "推动工作落实"),
    ("mechanisms", "完善", "项", "机制", "激发内生动力"),
    ("projects", "实施", "项", "工程", "厚植为民情怀"),
)
TABLE_HEADERS = (
    ("项目", "数量", "同比"),
    ("指标", "2022年", "2023年"),
    ("工作内容", "完成情况", "责任部门"),
    ("活动", "场次", "参与人次"),
)
DEPARTMENTS = ("立案庭", "执行局", "政治部", "办公室", "机关党委", "审判管理办公室")

_SPLIT_AT = "，。；、"
_OPENERS = {"“": "”", "《": "》", "（": "）", "‘": "’"}
_PLAIN_YAML = re.compile(r"^[\u4e00-\u9fff“《（][^:#\n]*$")


@dataclass(frozen=True)
class Vocabulary:
    """Clauses of the sample text, by length."""

    clauses: tuple[str, ...]
    """Every clause, for paragraphs."""
    short: tuple[str, ...]
    """Clauses of 4–12 characters, for titles, headings, list items and table cells."""


def split_clauses(text: str) -> list[str]:
    """Cut text at ，。；、 that are not inside “”, 《》, （） or ‘’."""
    clauses: list[str] = []
    current: list[str] = []
    closing: list[str] = []
    for char in text:
        if closing and char == closing[-1]:
            closing.pop()
        elif char in _OPENERS:
            closing.append(_OPENERS[char])
        if char in _SPLIT_AT and not closing:
            clauses.append("".join(current))
            current = []
        else:
            current.append(char)
    clauses.append("".join(current))
    return [clause.strip() for clause in clauses if len(clause.strip()) >= 2]


def load_vocabulary(content: Path = SAMPLE_CONTENT) -> Vocabulary:
    """The clauses of every Markdown body under `content`, in a stable order."""
    found: dict[str, None] = {}
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---\n"):
            text = text.split("\n---\n", 1)[1]
        lines = [line for line in text.splitlines() if not line.startswith("#")]
        # The sample breaks lines between Chinese characters: join them without spaces.
        for paragraph in "\n".join(lines).split("\n\n"):
            for clause in split_clauses(paragraph.replace("\n", "").strip("- ")):
                found.setdefault(clause)
    clauses = tuple(found)
    short = tuple(clause for clause in clauses if 4 <= len(clause) <= 12)
    if len(clauses) < 50 or len(short) < 20:
        raise SystemExit(f"too little sample text under {content}")
    return Vocabulary(clauses, short)


def yaml_text(value: str) -> str:
    """A YAML scalar: plain when that is unambiguous (as editors write it), else quoted."""
    return value if _PLAIN_YAML.match(value) else json.dumps(value, ensure_ascii=False)


class Writer:
    """Makes the text of one project from a seeded random generator."""

    def __init__(self, vocabulary: Vocabulary, seed: int) -> None:
        self.words = vocabulary
        self.rng = random.Random(seed)
        self.titles: set[str] = set()

    def sentence(self) -> str:
        """Two to five clauses joined mostly by commas, ending in 。."""
        clauses = self.rng.choices(self.words.clauses, k=self.rng.randint(2, 5))
        text = clauses[0]
        for clause in clauses[1:]:
            text += self.rng.choice("，，，，；、") + clause
        return text + "。"

    def paragraph(self, size: int, bold: bool) -> str:
        """Sentences up to about `size` bytes; with `bold`, one clause is set in bold."""
        sentences = [self.sentence()]
        # Stop short rather than overshoot: a sentence is about 120 bytes.
        while len("".join(sentences).encode()) < size - 60:
            sentences.append(self.sentence())
        if bold:
            index = self.rng.randrange(len(sentences))
            sentences[index] = f"**{self.rng.choice(self.words.short)}**，" + sentences[index]
        text = "".join(sentences)
        if self.rng.random() < 0.5:
            return text
        # Like the sample: hard line breaks between Chinese characters every 40–70,
        # never next to ASCII (or a ** marker), after an opening or before a closing mark.
        lines, start = [], 0
        while start < len(text):
            end = min(len(text), start + self.rng.randint(40, 70))
            while end < len(text) and (
                text[end].isascii()
                or text[end - 1].isascii()
                or text[end - 1] in "“《（"
                or text[end] in "”》）"
            ):
                end += 1
            lines.append(text[start:end])
            start = end
        return "\n".join(lines)

    def title(self) -> str:
        """A title not used before in this project, in one of three patterns."""
        rng = self.rng
        for _ in range(100):
            first, second = rng.sample(self.words.short, 2)
            pattern = rng.random()
            if pattern < 0.5:
                title = f"{first}，{second}"
            elif pattern < 0.8:
                _key, verb, measure, noun, _motto = rng.choice(PARTS)
                title = f"{verb}“{rng.randint(1, 9)}”{measure}{noun}，{first}"
            else:
                title = f"{rng.choice(BRANCHES + ORGS)}：{first}"
            if title not in self.titles:
                break
        else:
            title = f"{first}，{second}（之{len(self.titles) + 1}）"
        self.titles.add(title)
        return title

    def listing(self) -> str:
        """A bulleted or numbered list of 3–5 items."""
        items = self.rng.sample(self.words.short, self.rng.randint(3, 5))
        marks = [f"{n}." for n in range(1, 6)] if self.rng.random() < 0.5 else ["-"] * 5
        ends = ["；"] * (len(items) - 1) + ["。"]
        return "\n".join(
            f"{mark} {item}{end}" for mark, item, end in zip(marks, items, ends, strict=False)
        )

    def table(self) -> str:
        """A 3-column table of 3–5 rows with figures."""
        header = self.rng.choice(TABLE_HEADERS)
        rows = [f"| {' | '.join(header)} |", "|---|---:|---|"]
        for item in self.rng.sample(self.words.short, self.rng.randint(3, 5)):
            count = f"{self.rng.randint(2, 4800)}{self.rng.choice(('件', '场次', '人次', '项'))}"
            if header[2] == "同比":
                third = f"{self.rng.choice('+-')}{self.rng.randint(1, 400) / 10}%"
            elif header[2] == "责任部门":
                third = self.rng.choice(DEPARTMENTS)
            else:
                third = f"{self.rng.randint(2, 4800)}"
            rows.append(f"| {item} | {count} | {third} |")
        return "\n".join(rows)

    def body(self, budget: int) -> str:
        """An article body of about `budget` bytes."""
        rng = self.rng
        count = rng.randint(3, 8)
        headings = rng.sample(self.words.short, rng.randint(1, 3))
        listing, table = self.listing(), self.table()
        rest = budget - len(listing.encode()) - len(table.encode())
        rest -= sum(len(heading.encode()) + 5 for heading in headings)
        size = max(120, rest // count - 2)
        heading_at = dict(
            zip(sorted(rng.sample(range(count), len(headings))), headings, strict=True)
        )
        list_after, table_after = rng.randrange(count), rng.randrange(count)
        blocks = []
        for index in range(count):
            if index in heading_at:
                blocks.append(f"## {heading_at[index]}")
            blocks.append(self.paragraph(size, bold=index % 3 == 0))
            if index == list_after:
                blocks.append(listing)
            if index == table_after:
                blocks.append(table)
        return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class Column:
    """One column folder to write."""

    folder: str
    year: int
    parts: tuple[tuple[str, str, str, str], ...]
    """(key, digit, label, motto) of each mechanism part; empty for a plain column."""


def plan_columns(count: int, rng: random.Random) -> list[Column]:
    """`count` columns spread evenly over the years, about half with a mechanism."""
    columns = []
    for index in range(count):
        year = YEARS[round(index * (len(YEARS) - 1) / (count - 1))]
        parts: tuple[tuple[str, str, str, str], ...] = ()
        if index % 2 == 0 or rng.random() < 0.2:
            chosen = sorted(rng.sample(range(len(PARTS)), PARTS_PER_MECHANISM))
            digits = sorted(rng.choice("1233556789") for _ in chosen)
            parts = tuple(
                (key, digit, f"{verb}“{digit}”{measure}{noun}", motto)
                for (key, verb, measure, noun, motto), digit in zip(
                    (PARTS[i] for i in chosen), digits, strict=True
                )
            )
        columns.append(Column(f"dangjian-{year}-{index + 1:02d}", year, parts))
    return columns


def column_file(column: Column, index: int, writer: Writer) -> str:
    """The text of a column's ``_index.md``."""
    rng = writer.rng
    word, kind = COLUMN_WORDS[index % len(COLUMN_WORDS)], rng.choice(COLUMN_KINDS)
    org = rng.choice(ORGS)
    lines = ["---", f"title: {word}·{column.year} {kind}（{index + 1}）", f"year: {column.year}"]
    if column.parts:
        digits = "".join(part[1] for part in column.parts)
        lines.append(f"subtitle: {org}“{digits}”党建工作机制")
    else:
        lines.append(f"subtitle: {org}党建工作专栏")
    lines.append(f"status: {'archived' if column.year <= 2021 else 'active'}")
    if column.parts:
        lines.append("mechanism:")
        for key, digit, label, motto in column.parts:
            lines += [f"  - key: {key}", f'    digit: "{digit}"', f"    label: {label}"]
            lines.append(f"    motto: {motto}")
    lines.append("---")
    intro = [writer.paragraph(rng.randint(300, 600), bold=False) for _ in range(2)]
    return "\n".join(lines) + "\n" + "\n\n".join(intro) + "\n"


def article_file(
    writer: Writer, year: int, section: str | None, order: int | None, origin: str
) -> str:
    """The text of one article of about 5 KB."""
    rng = writer.rng
    date = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
    fields = [("title", writer.title()), ("date", date.isoformat())]
    if section:
        fields.append(("section", section))
    if order is not None:
        fields.append(("order", str(order)))
    fields.append(("summary", writer.sentence()))
    if rng.random() < 0.4:
        fields.append(("author", " ".join(rng.sample(PEOPLE, rng.randint(1, 2)))))
    fields.append(("source", origin))
    if rng.random() < 0.3:
        fields.append(("editor", rng.choice(PEOPLE)))
    lines = ["---"] + [
        f"{name}: {value if name in ('date', 'order', 'section') else yaml_text(value)}"
        for name, value in fields
    ]
    lines.append("tags:")
    lines += [f"  - {tag}" for tag in rng.sample(TAGS, rng.randint(1, 3))]
    if rng.random() < 0.8:
        lines.append(f"branch: {rng.choice(BRANCHES)}")
    front = "\n".join([*lines, "---"]) + "\n"
    budget = rng.randint(*ARTICLE_BYTES) - len(front.encode())
    return front + writer.body(budget)


def generate(out: Path, articles: int, seed: int = 1) -> int:
    """Write a complete project into `out` (which must have no ``content/``); return files."""
    writer = Writer(load_vocabulary(), seed)
    content = out / "content"
    content.mkdir(parents=True)
    _write(content / "site.yml", f"title: 党建专栏基准测试（{articles} 篇）\nlanguage: zh-CN\n")
    columns = plan_columns(max(3, round(articles / 250)), writer.rng)
    written, number = 1, 0
    for index, column in enumerate(columns):
        folder = content / column.folder
        folder.mkdir()
        _write(folder / "_index.md", column_file(column, index, writer))
        count = articles // len(columns) + (index < articles % len(columns))
        origin = writer.rng.choice(SOURCES)
        orders: dict[str | None, int] = {}
        for position in range(count):
            section = None
            if column.parts and position > 0:  # the first one is the overview (总述)
                section = writer.rng.choice(column.parts)[0]
            orders[section] = orders.get(section, 0) + 1
            order = orders[section] if writer.rng.random() < 0.9 else None
            number += 1
            text = article_file(writer, column.year, section, order, origin)
            _write(folder / f"a{number:05d}.md", text)
        written += 1 + count
    return written


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", type=Path, help="project folder to create")
    parser.add_argument("--articles", type=int, required=True, help="number of articles")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--force", action="store_true", help="replace an existing content/")
    args = parser.parse_args(argv)
    if args.articles < 1:
        parser.error("--articles must be at least 1")
    content = args.out_dir / "content"
    if content.exists():
        if not args.force:
            parser.error(f"{content} exists; pass --force to replace it")
        shutil.rmtree(content)
    files = generate(args.out_dir, args.articles, args.seed)
    print(f"wrote {files} files to {content}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
