"""The models folder is a walk of the data: intermediate models sit in numbered stage folders and read
only earlier or same stages, never a mart; marts never read a report; each folder documents its own
models; descriptions stay short (long prose lives in docs blocks) and name no issue numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.conftest import PROJECT_ROOT

MODELS = PROJECT_ROOT / "models"
STAGE_FOLDER = re.compile(r"^(\d\d)_[a-z]+$")
MART_FOLDERS = {"curated", "training", "reports"}
# SQL `ref('x')` (also in `-- depends_on:` lines, which dbt counts as edges) and Python `dbt.ref("x")`.
REF = re.compile(r"""\bref\(\s*['"](\w+)['"]\s*\)""")
MAX_DESCRIPTION_CHARS = 300


def model_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(MODELS.rglob("*")) if p.suffix in (".sql", ".py")}


def layer(path: Path) -> str:
    return path.relative_to(MODELS).parts[0]


def refs(path: Path) -> set[str]:
    return set(REF.findall(path.read_text()))


MODEL_FILES = model_files()


def test_every_intermediate_model_sits_in_a_numbered_stage_folder():
    misplaced = [
        str(path.relative_to(MODELS))
        for path in MODEL_FILES.values()
        if layer(path) == "intermediate"
        and (len(path.relative_to(MODELS).parts) != 3 or not STAGE_FOLDER.match(path.parent.name))
    ]
    assert not misplaced, f"intermediate models outside a models/intermediate/NN_<stage>/ folder: {misplaced}"


def test_every_mart_sits_in_curated_training_or_reports_and_reports_are_rpt_models():
    misplaced = [
        str(path.relative_to(MODELS))
        for name, path in MODEL_FILES.items()
        if layer(path) == "marts"
        and (path.parent.name not in MART_FOLDERS or (path.parent.name == "reports") != name.startswith("rpt_"))
    ]
    assert not misplaced, f"marts outside models/marts/{{{','.join(sorted(MART_FOLDERS))}}}/: {misplaced}"


def test_intermediate_models_read_no_mart_and_no_later_stage():
    wrong = []
    for name, path in MODEL_FILES.items():
        if layer(path) != "intermediate":
            continue
        for parent in refs(path) & MODEL_FILES.keys():
            parent_path = MODEL_FILES[parent]
            if layer(parent_path) == "marts":
                wrong.append(f"{name} reads mart {parent}")
            elif layer(parent_path) == "intermediate" and parent_path.parent.name > path.parent.name:
                wrong.append(f"{name} ({path.parent.name}) reads {parent} of a later stage ({parent_path.parent.name})")
    assert not wrong, wrong


def is_report(name: str) -> bool:
    return name.startswith("rpt_") or MODEL_FILES[name].parent.name == "reports"


def test_reports_are_leaves_no_other_mart_reads():
    wrong = [
        f"{name} reads {parent}"
        for name, path in MODEL_FILES.items()
        if layer(path) == "marts" and not is_report(name)
        for parent in refs(path) & MODEL_FILES.keys()
        if is_report(parent)
    ]
    assert not wrong, wrong


def documented_models(folder: Path) -> dict[str, dict]:
    documented = {}
    for yml in folder.glob("_*__models.yml"):
        for model in yaml.safe_load(yml.read_text()).get("models", []):
            documented[model["name"]] = model
    return documented


@pytest.mark.parametrize(
    "folder", sorted({p.parent for p in MODEL_FILES.values()}), ids=lambda p: str(p.relative_to(MODELS))
)
def test_each_folder_documents_exactly_its_own_models(folder):
    assert set(documented_models(folder)) == {p.stem for p in folder.iterdir() if p.suffix in (".sql", ".py")}


def descriptions(node: dict):
    yield node.get("description", "")
    for column in node.get("columns", []):
        yield column.get("description", "")


def test_descriptions_are_short_and_long_prose_lives_in_docs_blocks():
    long = [
        f"{name}: {text[:60]}..."
        for folder in {p.parent for p in MODEL_FILES.values()}
        for name, node in documented_models(folder).items()
        for text in descriptions(node)
        if len(text) > MAX_DESCRIPTION_CHARS
    ]
    assert not long, f"descriptions over {MAX_DESCRIPTION_CHARS} characters (move them to a {{% docs %}} block): {long}"


def test_models_and_their_docs_name_no_issue_numbers():
    # Comments say why; which ticket asked for a change belongs in the commit message.
    mentions = [
        f"{p.relative_to(MODELS)}: {m.group(0)}"
        for p in MODELS.rglob("*")
        if p.is_file()
        for m in re.finditer(r"(?i)\b(issue \d+|the issue)\b", p.read_text())
    ]
    assert not mentions, mentions
