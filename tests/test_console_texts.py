"""Console and sandbox texts live in the catalogue: no Chinese literals in app/, a text for every job."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

from bots.texts import catalog, t

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
# The fake WeChat API is a test double with its own errmsg table, not product output.
EXCLUDED = (APP / "fake_wechat",)
# Han ideographs (CJK Unified, Extension A, Compatibility). Punctuation alone (a "、" joiner) is layout, not wording.
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Python 3.12+ splits f-strings into parts; their literal text arrives as FSTRING_MIDDLE.
STRING_TOKENS = {tokenize.STRING} | ({tokenize.FSTRING_MIDDLE} if hasattr(tokenize, "FSTRING_MIDDLE") else set())
Span = tuple[tuple[int, int], tuple[int, int]]


def docstring_spans(source: str) -> list[Span]:
    """(start, end) positions of every docstring: a string statement first in a module, class or function."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) or not node.body:
            continue
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            spans.append(((first.lineno, first.col_offset), (first.end_lineno, first.end_col_offset)))
    return spans


def chinese_literals(source: str) -> list[tuple[int, str]]:
    """(line, token) of each string literal with Chinese in it, docstrings and comments left out."""
    spans = docstring_spans(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in STRING_TOKENS or not HAN.search(token.string):
            continue
        if any(start <= token.start and token.end <= end for start, end in spans):
            continue
        found.append((token.start[0], token.string))
    return found


def app_sources() -> list[Path]:
    return [path for path in sorted(APP.rglob("*.py")) if not any(folder in path.parents for folder in EXCLUDED)]


def test_the_scanner_sees_literals_but_not_docstrings_or_comments():
    sample = '''"""模块说明。"""
GREETING = "你好"  # 注释
LAYOUT = "、".join(["a", "b"])


class Thing:
    """类说明。"""

    def method(self):
        """方法说明。"""
        "后面的字符串语句不是说明。"
        return f"第{1}条" + 'x'
'''
    assert [line for line, _ in chinese_literals(sample)] == [2, 11, 12]


def test_app_code_holds_no_chinese_literals():
    offenders = [f"{path.relative_to(ROOT)}:{line}: {text[:40]}"
                 for path in app_sources() for line, text in chinese_literals(path.read_text(encoding="utf-8"))]
    assert offenders == [], "console texts belong in bots/catalog/zh_CN/console.yaml (or sandbox.yaml)"


def test_templates_hold_no_chinese():
    offenders = [f"{path.name}:{number}" for path in sorted((APP / "templates").glob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if HAN.search(line)]
    assert offenders == [], "page texts belong in bots/catalog/zh_CN/sandbox.yaml"


def test_every_registered_job_has_a_description():
    from app.jobs import registry as jobs

    zh = catalog("zh_CN")
    assert jobs.JOBS and [job_id for job_id in jobs.JOBS if f"job_{job_id}" not in zh] == []


def test_jobs_list_prints_each_description(app):
    from app.jobs import registry as jobs

    listing = app.test_cli_runner().invoke(args=["jobs", "list"]).output
    for job_id in jobs.JOBS:
        line = next(line for line in listing.splitlines() if line.startswith(job_id + " "))
        assert line.endswith(t(f"job_{job_id}")), line
    assert t("console_job_manual") in next(line for line in listing.splitlines() if line.startswith("outbox.drain"))


def test_every_text_the_sandbox_page_names_exists():
    source = (APP / "templates" / "sandbox.html").read_text(encoding="utf-8")
    names = set(re.findall(r"\b(?:texts|T)\.([a-z_]+)", source))
    prefixes = set(re.findall(r"\b(?:texts|T)\[\"([a-z_]+)\"", source))
    keys = {key.removeprefix("sandbox_") for key in catalog("zh_CN") if key.startswith("sandbox_")}
    assert names and names - keys == set()
    assert prefixes and {p for p in prefixes if not any(k.startswith(p) for k in keys)} == set()


def test_the_sandbox_page_shows_catalogue_texts(make_app):
    html = make_app(env="development").test_client().get("/sandbox").get_data(as_text=True)
    for key in ("sandbox_title", "sandbox_no_messages", "sandbox_type_voice_unrecognised", "sandbox_default_place"):
        assert t(key) in html
    assert t("sandbox_try_it", admin="孙主任") in html
    assert t("sandbox_persona_option", role=t("sandbox_role_admin"), name="孙主任", openid="demo-admin") in html
