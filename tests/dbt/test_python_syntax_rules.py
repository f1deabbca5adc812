"""The Python syntax rules in a build: real Python 2 files (lib2to3's test data) and a truncated
real file are dropped with their error, payload droppers built at test time are dropped with their
evidence, and real Python 3 files and legitimate decoding stay."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project
from tests.python.test_python_syntax import LIB2TO3_DATA, TEXTWRAP, obfuscated_samples

pytestmark = pytest.mark.dbt

TRUNCATED = TEXTWRAP[: TEXTWRAP.index("def wrap(")] + "def wrap(text, width=70, **kwargs:\n    pass\n"
SMALL_BASE64_TEST = (
    "import base64\nimport unittest\n\n\nclass Base64Test(unittest.TestCase):\n"
    "    def test_decode(self):\n"
    "        self.assertEqual(base64.b64decode(b'aGVsbG8gd29ybGQ='), b'hello world')\n"
)
SMALL_EVAL = "def area(width, height):\n    return eval('width * height', {}, {'width': width, 'height': height})\n"

# path -> content; every file is in repo o/repo, MIT.
FILES = {
    "lib2to3/py2_test_grammar.py": (LIB2TO3_DATA / "py2_test_grammar.py").read_text(),
    "lib2to3/different_encoding.py": (LIB2TO3_DATA / "different_encoding.py").read_text(),
    "lib2to3/py3_test_grammar.py": (LIB2TO3_DATA / "py3_test_grammar.py").read_text(),
    "broken/textwrap.py": TRUNCATED,
    "textwrap.py": TEXTWRAP,
    "zipimport.py": (STDLIB / "zipimport.py").read_text(),
    "tests/test_small_base64.py": SMALL_BASE64_TEST,
    "geometry.py": SMALL_EVAL,
    **{f"dropper/{name}.py": source for name, source in obfuscated_samples().items()},
}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("python_syntax")
    (root / "raw").mkdir()
    pq.write_table(
        pa.table(
            {
                "content": list(FILES.values()),
                "max_stars_repo_name": ["o/repo"] * len(FILES),
                "max_stars_repo_path": list(FILES),
                "max_stars_repo_licenses": [["MIT"]] * len(FILES),
            }
        ),
        root / "raw" / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "main", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project


def ledger(project) -> dict[str, tuple]:
    rows = project.query("select path, stage, rule, value, threshold, detail from fct_drop_ledger")
    return {path: rest for path, *rest in rows}


def test_python2_files_are_dropped_as_python2_with_the_construct_and_line(project):
    dropped = ledger(project)
    assert dropped["lib2to3/py2_test_grammar.py"] == [
        "quality",
        "python2_syntax",
        31.0,
        None,
        "Python 2 octal literal without 0o (line 31): leading zeros in decimal integer literals are not "
        "permitted; use an 0o prefix for octal integers",
    ]
    stage, rule, value, _, detail = dropped["lib2to3/different_encoding.py"]
    assert (stage, rule, value) == ("quality", "python2_syntax", 3.0)
    assert detail.startswith("Python 2 print statement (line 3): Missing parentheses in call to 'print'")


def test_a_file_that_does_not_parse_is_dropped_with_its_error_line(project):
    stage, rule, value, threshold, detail = ledger(project)["broken/textwrap.py"]
    assert (stage, rule, threshold) == ("quality", "python_syntax_error", None)
    assert value == TRUNCATED.count("\n") - 1
    assert detail.startswith(f"line {int(value)}: ")


def test_payload_droppers_are_dropped_with_the_call_chain_and_literal_length(project):
    dropped = ledger(project)
    for name in obfuscated_samples():
        stage, rule, value, threshold, detail = dropped[f"dropper/{name}.py"]
        assert (stage, rule, threshold) == ("quality", "obfuscated_payload", 256.0), name
        assert value > 1000, name
        assert detail.startswith("literal characters executed by "), name
    assert dropped["dropper/exec_marshal.py"][4].endswith("exec(marshal.loads(base64.b64decode(...)))")


def test_real_python3_files_and_legitimate_decoding_are_kept(project):
    kept = {row[0] for row in project.query("select path from fct_curated_files")}
    assert {
        "lib2to3/py3_test_grammar.py",
        "textwrap.py",
        "zipimport.py",
        "tests/test_small_base64.py",
        "geometry.py",
    } <= kept


def test_signals_are_cached_for_python_files_only_with_their_structure(project):
    rows = project.query(
        """select f.path, s.parsed, s.n_classes, s.payload_call_chain
           from int_python_syntax_signals_cache s join int_files_unioned f using (doc_id)"""
    )
    signals = {path: tuple(rest) for path, *rest in rows}
    assert set(signals) == set(FILES)
    assert signals["textwrap.py"] == (True, 1, None)
    assert signals["zipimport.py"][2].startswith("exec(")


def test_the_syntax_rule_can_be_turned_off(project):
    result = project.dbt("run", "--select", "int_files_filtered", "--vars", "{drop_python_syntax_errors: false}")
    assert result.returncode == 0, result.stdout[-4000:]
    rules = dict(project.query("select path, filter_rule from int_files_filtered"))
    assert rules["lib2to3/different_encoding.py"] is None
    assert rules["broken/textwrap.py"] is None
    assert rules["dropper/exec_marshal.py"] == "obfuscated_payload"
