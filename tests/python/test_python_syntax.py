"""The Python syntax and structure signals, on real standard-library files and on payload samples
built at test time (never real malware)."""

from __future__ import annotations

import ast
import base64
import marshal
import zlib

import pyarrow as pa
import pytest

from python_udfs.kernels import python_syntax
from python_udfs.kernels.python_syntax import PYTHON_SYNTAX_TYPE, measure_python, python_syntax_signals
from tests.conftest import STDLIB

LIB2TO3_DATA = STDLIB / "lib2to3" / "tests" / "data"
# The Python 2 files of lib2to3's test data and the construct Python 3's parser stops at.
PYTHON2_FILES = {
    "py2_test_grammar.py": "octal literal without 0o",  # self.assertEquals(0377, 255)
    "different_encoding.py": "print statement",
    "crlf.py": "print statement",
    "bom.py": "print statement",
    "false_encoding.py": "print statement",
}
TEXTWRAP = (STDLIB / "textwrap.py").read_text()
MAX_BYTES = 100_000


def obfuscated_samples() -> dict[str, str]:
    """Droppers in the shapes seen in malicious packages, each executing real stdlib code
    (textwrap) that was compressed, marshalled or encoded when the test runs."""
    compressed = base64.b64encode(zlib.compress(TEXTWRAP.encode())).decode()
    marshalled = base64.b64encode(marshal.dumps(compile(TEXTWRAP, "textwrap", "exec"))).decode()
    return {
        "exec_zlib_base64": f"import base64, zlib\nexec(zlib.decompress(base64.b64decode('{compressed}')))\n",
        "exec_marshal": f"import base64, marshal\nexec(marshal.loads(base64.b64decode(b'{marshalled}')))\n",
        "decoded_name": (
            f"import base64, zlib\n_payload = '{compressed}'\n"
            "source = zlib.decompress(base64.b64decode(_payload))\nexec(compile(source, '<x>', 'exec'))\n"
        ),
        "lambda_reversed": (
            "_ = lambda __ : __import__('zlib').decompress(__import__('base64').b64decode(__[::-1]));"
            f"exec((_)(b'{compressed[::-1]}'))\n"
        ),
        "hex": f"exec(bytes.fromhex('{zlib.compress(TEXTWRAP.encode()).hex()}'))\n",
        "pyarmor": (
            "# Pyarmor 7.7.4 (trial), 000000, 2023-01-01T00:00:00\n"
            "from .pytransform import pyarmor_runtime\npyarmor_runtime()\n"
            f"__pyarmor__(__name__, __file__, b'{marshalled}', 2)\n"
        ),
    }


def test_python2_files_of_lib2to3_are_named_as_python2():
    for name, construct in PYTHON2_FILES.items():
        signals = measure_python((LIB2TO3_DATA / name).read_text(encoding="utf-8"), MAX_BYTES)
        assert signals.parsed is False, name
        assert signals.python2_construct == construct, name
        assert signals.syntax_error_line >= 1


def test_py2_test_grammar_stops_at_its_octal_literal():
    signals = measure_python((LIB2TO3_DATA / "py2_test_grammar.py").read_text(), MAX_BYTES)
    assert signals.syntax_error_line == 31
    assert "0o prefix" in signals.syntax_error


@pytest.mark.parametrize(
    ("source", "construct"),
    [
        ("try:\n    pass\nexcept ValueError, error:\n    pass\n", "except X, e"),
        ("x = `1`\n", "backticks"),
        ("if 1 <> 2:\n    pass\n", "<> operator"),
        ("x = 10L\n", "long integer literal"),
        ("x = ur'abc'\n", "ur'' string prefix"),
        ("raise ValueError, 'bad'\n", "raise X, message"),
        ("exec 'x = 1'\n", "exec statement"),
        ("def f((a, b)):\n    pass\n", "tuple parameters"),
        ("f = lambda (a, b): a\n", "tuple parameters"),
        ("class A:\n  def f(self):\n\treturn 1\n", "tabs and spaces mixed in indentation"),
    ],
)
def test_each_python2_construct_is_named(source, construct):
    assert measure_python(source, MAX_BYTES).python2_construct == construct


def test_a_python3_syntax_error_is_not_called_python2():
    truncated = TEXTWRAP[: TEXTWRAP.index("def wrap(")] + "def wrap(text, width=70, **kwargs:\n    pass\n"
    signals = measure_python(truncated, MAX_BYTES)
    assert signals.parsed is False
    assert signals.python2_construct is None
    assert signals.syntax_error_line == truncated.count("\n") - 1


def test_real_python3_files_parse_with_their_structure():
    py3_grammar = measure_python((LIB2TO3_DATA / "py3_test_grammar.py").read_text(), MAX_BYTES)
    assert py3_grammar.parsed is True
    textwrap = measure_python(TEXTWRAP, MAX_BYTES)
    assert textwrap.parsed is True and textwrap.syntax_error is None
    # textwrap: class TextWrapper, its methods and the module-level functions, documented.
    assert textwrap.n_classes == 1
    assert textwrap.n_functions >= 15
    assert textwrap.n_docstrings >= 10
    assert 0.2 < textwrap.docstring_line_fraction < 0.6
    assert 0 < textwrap.comment_line_fraction < 0.3
    assert 0 < textwrap.import_line_fraction < 0.05
    assert textwrap.max_nesting_depth >= 3
    assert textwrap.payload_call_chain is None


def test_trivial_lines_are_imports_pass_and_print_calls():
    source = "import os\nfrom sys import argv\n\ndef f():\n    pass\n\nprint('x')\nvalue = os.sep\n"
    signals = measure_python(source, MAX_BYTES)
    # 6 non-blank lines: 2 imports, 1 pass, 1 print.
    assert signals.import_line_fraction == pytest.approx(2 / 6)
    assert signals.pass_line_fraction == pytest.approx(1 / 6)
    assert signals.print_line_fraction == pytest.approx(1 / 6)
    assert signals.trivial_line_fraction == pytest.approx(4 / 6)
    assert signals.n_assignments == 1


def test_a_hash_inside_a_multiline_string_is_not_a_comment():
    source = 'x = """\n# not a comment\n"""\n# a comment\n'
    assert measure_python(source, MAX_BYTES).comment_line_fraction == pytest.approx(1 / 4)


def test_lines_are_numbered_as_the_parser_numbers_them():
    # A form feed ends a line for str.splitlines but not for the parser: 4 lines, 2 of them imports.
    source = "import os\x0c\nimport sys\n# a comment\npass\n"
    signals = measure_python(source, MAX_BYTES)
    assert signals.import_line_fraction == pytest.approx(2 / 4)
    assert signals.comment_line_fraction == pytest.approx(1 / 4)


def test_a_hash_line_inside_a_string_of_a_compound_statement_header_is_not_a_comment():
    source = (
        '@decorate("""\n# in a decorator\n""")\ndef f(x="""\n# in a default\n"""):\n    pass\n'
        "try:\n    pass\nexcept (ValueError,\n        # a comment in a header\n        KeyError):\n    pass\n"
    )
    # 13 non-blank lines, one comment.
    assert measure_python(source, MAX_BYTES).comment_line_fraction == pytest.approx(1 / 13)


def test_a_file_that_executes_nothing_is_measured_from_its_statements(monkeypatch):
    # textwrap calls re.compile but no exec/eval/compile builtin: its expressions are not all
    # visited, only the few statements whose lines hold a '#' line (for strings spanning it).
    tree_nodes = sum(1 for _ in ast.walk(ast.parse(TEXTWRAP)))
    visited, walked = [], []
    descendants, walk, iter_child_nodes = python_syntax._descendants, ast.walk, ast.iter_child_nodes

    def counted_descendants(roots):
        nodes = descendants(roots)
        visited.extend(nodes)
        return nodes

    with monkeypatch.context() as patch:
        patch.setattr(python_syntax, "_descendants", counted_descendants)
        patch.setattr(ast, "walk", lambda node: walked.append(node) or walk(node))
        patch.setattr(ast, "iter_child_nodes", lambda node: walked.append(node) or iter_child_nodes(node))
        signals = measure_python(TEXTWRAP, MAX_BYTES)
    assert signals.parsed is True and signals.payload_call_chain is None
    assert walked == []
    assert len(visited) < tree_nodes / 10


@pytest.mark.parametrize(
    "call",
    [
        "builtins.exec({})",
        "__builtins__.eval({})",
        "__import__('builtins').compile({}, '<x>', 'single')",
        "x = compile ({}, '<x>', 'single')",
        "builtins . compile({}, '<x>', 'single')",
    ],
)
def test_the_builtins_however_spelled_are_found_executing_a_payload(call):
    compressed = base64.b64encode(zlib.compress(TEXTWRAP.encode())).decode()
    source = (
        "import base64, builtins, zlib\n" + call.format(f"zlib.decompress(base64.b64decode('{compressed}'))") + "\n"
    )
    signals = measure_python(source, MAX_BYTES)
    assert signals.payload_call_chain.endswith("(zlib.decompress(base64.b64decode(...)))")
    assert signals.payload_literal_chars > 1000


def test_assignment_expressions_count_as_assignments():
    source = "import re\nif (match := re.match('a', 'a')) is not None:\n    print(match)\n"
    assert measure_python(source, MAX_BYTES).n_assignments == 1


def test_obfuscated_payloads_are_found_with_their_chain_and_length():
    chains = {
        "exec_zlib_base64": "exec(zlib.decompress(base64.b64decode(...)))",
        "exec_marshal": "exec(marshal.loads(base64.b64decode(...)))",
        "decoded_name": "exec(source = zlib.decompress(base64.b64decode(...)))",
        "lambda_reversed": "exec(_ (zlib.decompress)(...))",
        "hex": "exec(bytes.fromhex(...))",
        "pyarmor": "__pyarmor__(...)",
    }
    for name, source in obfuscated_samples().items():
        signals = measure_python(source, MAX_BYTES)
        assert signals.payload_call_chain == chains[name], name
        assert signals.payload_literal_chars > 1000, name


def test_a_value_decoded_through_a_helper_is_found_before_or_after_its_definition():
    compressed = base64.b64encode(zlib.compress(TEXTWRAP.encode())).decode()
    helper = "def unpack(data):\n    return zlib.decompress(base64.b64decode(data))\n"
    use = f"code = unpack('{compressed}')\nexec(code)\n"
    for source in (f"import base64, zlib\n{helper}\n\n{use}", f"import base64, zlib\n{use}\n\n{helper}"):
        signals = measure_python(source, MAX_BYTES)
        assert signals.payload_call_chain == "exec(code = unpack (zlib.decompress)(...))"
        assert signals.payload_literal_chars > 1000


def test_legitimate_decoding_and_eval_carry_no_payload_or_a_small_one():
    small_fixture = (
        "import base64\nimport unittest\n\n\nclass Base64Test(unittest.TestCase):\n"
        "    def test_decode(self):\n        self.assertEqual(base64.b64decode(b'aGVsbG8gd29ybGQ='), b'hello world')\n"
    )
    small_eval = "def area(width, height):\n    return eval('width * height', {}, {'width': width, 'height': height})\n"
    assert measure_python(small_fixture, MAX_BYTES).payload_call_chain is None
    assert measure_python(small_eval, MAX_BYTES).payload_call_chain is None
    # Real files that execute something decoded, with a few dozen literal characters at most.
    for path in ("test/test_marshal.py", "zipimport.py"):
        signals = measure_python((STDLIB / path).read_text(), MAX_BYTES)
        assert signals.payload_call_chain is not None, path
        assert signals.payload_literal_chars < 64, path
    # re.compile, pandas' eval and the like are not the builtins.
    assert (
        measure_python("import re\nre.compile(bytes.fromhex('2e2a').decode())\n", MAX_BYTES).payload_call_chain is None
    )


def test_payload_evidence_does_not_depend_on_the_order_the_tree_is_visited():
    # zipimport binds `code` twice, once to a decoded value in the decoding helper itself.
    nodes = list(ast.walk(ast.parse((STDLIB / "zipimport.py").read_text())))
    executing = [n for n in nodes if isinstance(n, ast.Call) and python_syntax._executes(n)]
    in_walk_order = python_syntax._Payloads(nodes).strongest(executing)
    assert in_walk_order == python_syntax._Payloads(nodes[::-1]).strongest(executing)
    assert in_walk_order[0] is not None


def test_files_over_the_size_bound_are_not_parsed_and_say_why():
    signals = measure_python(TEXTWRAP, 1000)
    assert signals.parsed is None and signals.n_functions is None
    assert signals.not_parsed_reason == f"{len(TEXTWRAP.encode())} bytes, over python_syntax_max_bytes (1000)"


def test_the_vector_function_maps_measure_python_and_keeps_nulls():
    texts = [TEXTWRAP, None, (LIB2TO3_DATA / "crlf.py").read_text()]
    result = python_syntax_signals(pa.chunked_array([pa.array(texts)]), MAX_BYTES)
    assert result.type == PYTHON_SYNTAX_TYPE
    rows = result.to_pylist()
    assert rows[1] is None
    assert rows[0]["parsed"] is True and rows[0]["n_classes"] == 1
    assert rows[2]["python2_construct"] == "print statement"


def test_parser_limits_give_a_reason_or_an_error_never_a_crash():
    # A long flat sum overflows the parser's stack; nested brackets hit its nesting limit.
    deep_sum = measure_python("x = " + "+".join(["1"] * 40_000) + "\n", MAX_BYTES)
    assert deep_sum.parsed is None
    assert deep_sum.not_parsed_reason.startswith("RecursionError")
    nested = measure_python("x = " + "[" * 1000 + "]" * 1000 + "\n", MAX_BYTES)
    assert (nested.parsed, nested.syntax_error) == (False, "too many nested parentheses")


def test_warning_files_parse_from_many_threads_under_an_error_filter_and_filters_stay_as_they_were():
    """test_syntax.py has invalid escape sequences: SyntaxWarnings, which an "error" filter would
    turn into SyntaxErrors if a thread's catch_warnings restored it while another was parsing."""
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    warning_file = (STDLIB / "test" / "test_syntax.py").read_text(encoding="utf-8")
    others = [p.read_text(encoding="utf-8") for p in sorted((STDLIB / "json").glob("*.py"))]
    texts = [warning_file, *others] * 8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        filters_before = list(warnings.filters)
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda text: measure_python(text, 10**7), texts))
        assert warnings.filters == filters_before
    assert all(result.parsed for result in results)
    assert results == [measure_python(text, 10**7) for text in texts]
