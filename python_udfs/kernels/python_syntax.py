"""Syntax and structure signals of Python files, from their syntax trees, as measured values.

Every function here measures; none decides. ``int_files_filtered`` turns the values into the
``python_syntax_error``, ``python2_syntax`` and ``obfuscated_payload`` rules. The signals follow
the code corpora that use a syntax tree:

- **Parses or not** (SwallowCode, Fujii et al. 2025, arXiv:2505.02881, section 3: Python that does
  not compile is removed before anything else; OpenCoder's ``qsc_codepython_cate_ast``): with
  ``ast.parse`` of this interpreter, the error's message and line.
- **Python 2 only** (the error of a file that fails on a Python 2 construct): the construct at the
  error's line, named (print or exec statement, ``except X, e``, backticks, ``<>``, an octal
  ``0777``, a ``10L`` long, a ``ur''`` prefix, ``raise X, message``, tuple parameters, tabs and
  spaces mixed in indentation). ``print >>f, x`` parses in Python 3 (as a shift) and is not found. Named from the message and the
  one line, not from a second parser: cheap, and exact for the construct the parser stopped at.
- **Structure** (OpenCoder, Huang et al. 2024, arXiv:2411.04905, appendix A, and its
  ``opc_data_filtering`` Python signals, whose drop thresholds are in the knobs' sources should a
  rule use them): functions, classes, docstrings, functions per non-blank line, fractions of
  non-blank lines that are docstrings, comments, imports, ``pass``, ``print(...)`` calls, and all
  three together (trivial lines); whether the file assigns any variable; the deepest nesting of
  compound statements.
- **Executed payloads**: ``exec``/``eval``/``compile`` of what a decoding call returns
  (``base64``, ``zlib``/``bz2``/``lzma`` decompression, ``marshal.loads``, ``codecs.decode``,
  ``bytes.fromhex``, ``binascii``), directly, through a name assigned the decoded value or through a
  function or lambda that decodes; and pyarmor stubs (a call of ``__pyarmor__...``). Measured as the
  call chain and the characters of the string and bytes literals it executes (literals of the
  call's arguments and of the names they use). Legitimate code decodes small literals or evaluates
  expressions without decoding: the threshold on the literal's length is the rule's.

A file over ``max_bytes`` is not parsed (its signals are NULL, ``not_parsed_reason`` says why), so
one call's memory is bounded by the vector slice the plugin hands it (a syntax tree takes several
times its source). Files are parsed one at a time; nothing outlives the call.

Parsing is the cost that cannot go: everything else is kept to one pass over the statements, which
are several times fewer than the expressions. Expressions are visited only where a signal needs
them: the strings of a statement whose lines hold a ``#`` line (a string's interior is not a
comment), and every node of the few files whose text names an executing call or holds ``:=``.
"""

from __future__ import annotations

import ast
import bisect
import re
import threading
import warnings
from dataclasses import dataclass, fields

import pyarrow as pa

from .utils import as_array

__all__ = [
    "DECODING_CALLS",
    "EXECUTING_CALLS",
    "PYTHON_SYNTAX_TYPE",
    "PythonSyntax",
    "measure_python",
    "python2_construct",
    "python_syntax_signals",
]

# Calls that run code given as text or bytes.
EXECUTING_CALLS = frozenset({"exec", "eval", "compile"})
# The last part of a call's name that decodes or decompresses its argument.
DECODING_CALLS = frozenset(
    {
        "b64decode",
        "standard_b64decode",
        "urlsafe_b64decode",
        "b32decode",
        "b16decode",
        "b85decode",
        "a85decode",
        "decodebytes",
        "decodestring",
        "decompress",
        "unhexlify",
        "a2b_base64",
        "a2b_hex",
        "fromhex",
    }
)
# Decoding calls known by their module: a bare `loads` or `decode` is usually JSON or str.decode.
_QUALIFIED_DECODING_CALLS = frozenset({"marshal.loads", "codecs.decode"})
_COMPOUND_STATEMENTS = (
    ast.FunctionDef,
    ast.AsyncFunctionDef,
    ast.ClassDef,
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.TryStar,
    ast.Match,
)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)

# Python 2 constructs, from the message of Python 3's SyntaxError ...
_PYTHON2_MESSAGES = (
    ("Missing parentheses in call to 'print'", "print statement"),
    ("Missing parentheses in call to 'exec'", "exec statement"),
    ("multiple exception types must be parenthesized", "except X, e"),
    ("leading zeros in decimal integer literals are not permitted", "octal literal without 0o"),
    ("Function parameters cannot be parenthesized", "tuple parameters"),
    ("Lambda expression parameters cannot be parenthesized", "tuple parameters"),
    # Python 2 read a tab as up to 8 spaces; Python 3 refuses a mix whose meaning depends on it.
    ("inconsistent use of tabs and spaces in indentation", "tabs and spaces mixed in indentation"),
)
# ... or from the text of the line it stopped at.
_PYTHON2_LINES = (
    (re.compile(r"`"), "backticks"),
    (re.compile(r"<>"), "<> operator"),
    (re.compile(r"\b[uU][rR]['\"]"), "ur'' string prefix"),
    (re.compile(r"\b\d+[lL]\b"), "long integer literal"),
    (re.compile(r"^\s*raise\s+[\w.]+\s*,"), "raise X, message"),
    (re.compile(r"^\s*except\s+[\w.]+\s*,\s*\w+\s*:"), "except X, e"),
    (re.compile(r"^\s*print\s+[^\s(=]"), "print statement"),
)


@dataclass(frozen=True)
class PythonSyntax:
    """The syntax and structure signals of one Python file (see the module docstring).

    ``parsed`` is NULL when the file was not parsed (``not_parsed_reason``); the error fields are
    set when it does not parse, the structure and payload fields when it does. Line fractions
    divide by non-blank lines.
    """

    parsed: bool | None = None
    not_parsed_reason: str | None = None
    syntax_error_line: int | None = None
    syntax_error: str | None = None
    python2_construct: str | None = None
    n_functions: int | None = None
    n_classes: int | None = None
    n_docstrings: int | None = None
    functions_per_line: float | None = None
    docstring_line_fraction: float | None = None
    comment_line_fraction: float | None = None
    import_line_fraction: float | None = None
    pass_line_fraction: float | None = None
    print_line_fraction: float | None = None
    trivial_line_fraction: float | None = None
    n_assignments: int | None = None
    max_nesting_depth: int | None = None
    payload_call_chain: str | None = None
    payload_literal_chars: int | None = None


# Field annotations are strings ("int | None"): the Arrow type of each.
_ARROW_TYPES = {"bool": pa.bool_(), "str": pa.string(), "int": pa.int64(), "float": pa.float64()}
PYTHON_SYNTAX_TYPE = pa.struct([(f.name, _ARROW_TYPES[f.type.split(" | ")[0]]) for f in fields(PythonSyntax)])


def python2_construct(message: str, line: str) -> str | None:
    """The Python 2 construct that a SyntaxError's message or line shows, or None."""
    for prefix, construct in _PYTHON2_MESSAGES:
        if message.startswith(prefix):
            return construct
    for pattern, construct in _PYTHON2_LINES:
        if pattern.search(line):
            return construct
    return None


def _call_name(call: ast.Call) -> str:
    """A call's dotted name: `zlib.decompress`, `__import__('zlib').decompress` as `zlib.decompress`,
    `(...)` where the callee is computed."""
    parts: list[str] = []
    node = call.func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "__import__"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        parts.append(node.args[0].value)
    else:
        parts.append("(...)")
    return ".".join(reversed(parts))


def _is_decoding(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in DECODING_CALLS or name in _QUALIFIED_DECODING_CALLS


def _is_pyarmor(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("__pyarmor")


def _executes(call: ast.Call) -> bool:
    """A call of the exec/eval/compile builtins (not re.compile) or of a pyarmor stub."""
    name = _call_name(call)
    callee = name.rsplit(".", 1)[-1]
    return _is_pyarmor(name) or (
        callee in EXECUTING_CALLS and name in (callee, f"builtins.{callee}", f"__builtins__.{callee}")
    )


def _literal_chars(node: ast.AST) -> int:
    return sum(len(n.value) for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str | bytes))


class _Payloads:
    """What the file binds to names (literals, decoded values, decoding functions), then the
    executing calls whose argument decodes."""

    def __init__(self, nodes: list[ast.AST]):
        # In source order, whatever order the tree was visited in: of two bindings of one name,
        # the later in the file is the one read.
        nodes = sorted(
            (n for n in nodes if isinstance(n, ast.Assign | ast.AnnAssign | ast.FunctionDef | ast.AsyncFunctionDef)),
            key=lambda n: (n.lineno, n.col_offset),
        )
        self.literal_chars: dict[str, int] = {}
        self.decoded: dict[str, ast.AST] = {}
        self.decoders: dict[str, str] = {}
        bindings = [
            (target.id, node.value)
            for node in nodes
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        ]
        # Decoding functions first, so a value decoded through one is known whatever the order.
        for node in nodes:
            if isinstance(node, _FUNCTIONS) and (chain := self._decoding_chain(node)):
                self.decoders[node.name] = chain[0]
        for name, value in bindings:
            if isinstance(value, ast.Lambda) and (chain := self._decoding_chain(value.body)):
                self.decoders[name] = chain[0]
        for name, value in bindings:
            self.literal_chars[name] = max(self.literal_chars.get(name, 0), _literal_chars(value))
            if not isinstance(value, ast.Lambda) and self._decoding_chain(value):
                self.decoded[name] = value

    def _decoding_chain(self, node: ast.AST) -> list[str]:
        """The decoding calls under ``node``, outermost first (functions named by what they call)."""
        chain = []
        for n in ast.walk(node):
            if isinstance(n, ast.Call):
                name = _call_name(n)
                if _is_decoding(name):
                    chain.append(name)
                elif isinstance(n.func, ast.Name) and n.func.id in self.decoders:
                    chain.append(f"{n.func.id} ({self.decoders[n.func.id]})")
        return chain

    def _executed(self, argument: ast.AST) -> tuple[list[str], int]:
        """The decoding chain of what a call executes and the characters of the literals it uses."""
        chain = self._decoding_chain(argument)
        literal = _literal_chars(argument)
        for n in ast.walk(argument):
            if isinstance(n, ast.Name):
                if n.id in self.decoded and not chain:
                    first, *rest = self._decoding_chain(self.decoded[n.id])
                    chain = [f"{n.id} = {first}", *rest]
                    literal += _literal_chars(self.decoded[n.id])
                    literal += sum(
                        self.literal_chars.get(m.id, 0) for m in ast.walk(self.decoded[n.id]) if isinstance(m, ast.Name)
                    )
                literal += self.literal_chars.get(n.id, 0)
        return chain, literal

    def strongest(self, calls: list[ast.Call]) -> tuple[str | None, int | None]:
        """The executed payload with the most literal characters among ``calls`` (executing calls
        and pyarmor stubs): (call chain, characters)."""
        best: tuple[str | None, int | None] = (None, None)
        for node in calls:
            name = _call_name(node)
            arguments = ast.Tuple(elts=[*node.args, *(k.value for k in node.keywords)])
            if _is_pyarmor(name):
                chain, literal = [name], self._executed(arguments)[1]
            else:
                chain, literal = self._executed(arguments)
                if not chain:
                    continue
                chain = [name, *chain]
            if best[1] is None or literal > best[1]:
                best = ("(".join(chain) + "(...)" + ")" * (len(chain) - 1), literal)
        return best


# What a name that ``compile`` follows after a dot must be for ``_executes`` to take it as the builtin.
_BUILTINS_BEFORE_DOT = re.compile(r"builtins\w*['\")]*\s*\.$")


def _may_execute(text: str) -> bool:
    """Whether the text holds a word ``_executes`` could accept (``exec``, ``eval``, ``compile``
    not after a dot, unless after ``builtins``; ``__pyarmor``): only those files need the payload
    analysis, which visits every node. Substring searches first, as a regex over every position
    of every file costs more than parsing it."""
    if "__pyarmor" in text:
        return True
    for word in ("exec", "eval", "compile"):
        start = text.find(word)
        while start != -1:
            end = start + len(word)
            before = text[start - 1] if start else " "
            after = text[end] if end < len(text) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                preceding = text[max(0, start - 64) : start].rstrip()
                if word != "compile" or not preceding.endswith(".") or _BUILTINS_BEFORE_DOT.search(preceding):
                    return True
            start = text.find(word, end)
    return False


def _descendants(roots: list[ast.AST]) -> list[ast.AST]:
    """Every node under ``roots``, themselves included (ast.walk's order does not matter here, and
    its generators cost more than the list)."""
    nodes = list(roots)
    for node in nodes:
        for field in node._fields:
            value = getattr(node, field, None)
            if isinstance(value, list):
                nodes.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                nodes.append(value)
    return nodes


# Fields of a statement that hold statements (or handlers and match cases, which hold statements).
_BODIES = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_COMPOUND_TYPES = frozenset(_COMPOUND_STATEMENTS)


def _span(node: ast.AST) -> range:
    return range(node.lineno, (node.end_lineno or node.lineno) + 1)


def _is_docstring(statement: ast.stmt) -> bool:
    return (
        type(statement) is ast.Expr and type(statement.value) is ast.Constant and isinstance(statement.value.value, str)
    )


class _Statements:
    """One pass over the statements of a tree (expressions are not visited, as there are many
    times more of them): functions, classes, docstrings, the lines of imports, ``pass`` and
    ``print(...)`` statements, assignments, nesting; and, for the statements whose lines hold a
    ``#`` line, the lines inside their multi-line strings, which are not comments."""

    def __init__(self, hash_lines: list[int]):
        self.hash_lines = hash_lines  # sorted numbers of the lines that start with '#'
        self.n_functions = self.n_classes = self.n_docstrings = self.n_assignments = 0
        self.max_nesting_depth = 0
        self.docstrings: set[int] = set()
        self.imports: set[int] = set()
        self.passes: set[int] = set()
        self.prints: set[int] = set()
        self.string_interior: set[int] = set()

    def _hash_line_within(self, first: int, last: int) -> bool:
        """Whether a '#' line lies in (first, last]: only there can one be inside a string."""
        i = bisect.bisect_right(self.hash_lines, first)
        return i < len(self.hash_lines) and self.hash_lines[i] <= last

    def _strings_of(self, nodes: list) -> None:
        for node in _descendants(nodes):
            if type(node) is ast.Constant and isinstance(node.value, str | bytes) and node.end_lineno != node.lineno:
                self.string_interior.update(range(node.lineno + 1, (node.end_lineno or node.lineno) + 1))

    def _expressions_of(self, node: ast.AST) -> list:
        """The expressions of a compound statement's header (everything but its bodies)."""
        parts = []
        for field in node._fields:
            if field not in _BODIES:
                value = getattr(node, field)
                if isinstance(value, list):
                    parts.extend(v for v in value if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST):
                    parts.append(value)
        return parts

    def visit(self, statements: list[ast.stmt], depth: int, documented: bool = False) -> None:
        if documented and statements and _is_docstring(statements[0]):
            self.n_docstrings += 1
            self.docstrings.update(_span(statements[0]))
        for node in statements:
            kind = type(node)
            if kind in _COMPOUND_TYPES:
                own = depth + 1
                self.max_nesting_depth = max(self.max_nesting_depth, own)
                decorators = getattr(node, "decorator_list", None)
                first = decorators[0].lineno if decorators else node.lineno
                header_end = node.cases[0].pattern.lineno if kind is ast.Match else node.body[0].lineno
                if self._hash_line_within(first, header_end):
                    self._strings_of(self._expressions_of(node))
                if kind is ast.Match:
                    for case in node.cases:
                        if self._hash_line_within(case.pattern.lineno, case.body[0].lineno):
                            self._strings_of([case.pattern, case.guard] if case.guard else [case.pattern])
                        self.visit(case.body, own)
                    continue
                is_function = kind is ast.FunctionDef or kind is ast.AsyncFunctionDef
                self.n_functions += is_function
                self.n_classes += kind is ast.ClassDef
                self.visit(node.body, own, is_function or kind is ast.ClassDef)
                for handler in getattr(node, "handlers", ()):
                    if self._hash_line_within(handler.lineno, handler.body[0].lineno):
                        self._strings_of(self._expressions_of(handler))
                    self.visit(handler.body, own)
                self.visit(getattr(node, "orelse", ()), own)
                self.visit(getattr(node, "finalbody", ()), own)
                continue
            if node.end_lineno != node.lineno and self._hash_line_within(node.lineno, node.end_lineno):
                self._strings_of([node])
            if kind is ast.Import or kind is ast.ImportFrom:
                self.imports.update(_span(node))
            elif kind is ast.Pass:
                self.passes.update(_span(node))
            elif kind is ast.Assign or kind is ast.AnnAssign or kind is ast.AugAssign:
                self.n_assignments += 1
            elif (
                kind is ast.Expr
                and type(node.value) is ast.Call
                and type(node.value.func) is ast.Name
                and node.value.func.id == "print"
            ):
                self.prints.update(_span(node))


def _structure(text: str, tree: ast.Module) -> PythonSyntax:
    # The lines as the parser numbers them (str.splitlines also splits at form feeds and the like).
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    non_blank, hash_lines = set(), []
    for number, line in enumerate(lines, 1):
        if code := line.lstrip():
            non_blank.add(number)
            if code[0] == "#":
                hash_lines.append(number)
    statements = _Statements(hash_lines)
    statements.visit(tree.body, 0, documented=True)
    n_assignments = statements.n_assignments
    chain = literal = None
    may_execute = _may_execute(text)
    if may_execute or ":=" in text:
        # Assignment expressions and executing calls sit anywhere in expressions: every node, but
        # only for the files whose text holds one.
        nodes = _descendants([tree])
        n_assignments += sum(type(n) is ast.NamedExpr for n in nodes)
        executing = [n for n in nodes if type(n) is ast.Call and _executes(n)] if may_execute else []
        if executing:
            chain, literal = _Payloads(nodes).strongest(executing)
    comments = set(hash_lines) - statements.string_interior
    n_lines = len(non_blank)

    def fraction(marked: set[int]) -> float:
        return len(marked & non_blank) / n_lines if n_lines else 0.0

    trivial = statements.imports | statements.passes | statements.prints
    return PythonSyntax(
        parsed=True,
        n_functions=statements.n_functions,
        n_classes=statements.n_classes,
        n_docstrings=statements.n_docstrings,
        functions_per_line=statements.n_functions / n_lines if n_lines else 0.0,
        docstring_line_fraction=fraction(statements.docstrings),
        comment_line_fraction=fraction(comments),
        import_line_fraction=fraction(statements.imports),
        pass_line_fraction=fraction(statements.passes),
        print_line_fraction=fraction(statements.prints),
        trivial_line_fraction=fraction(trivial),
        n_assignments=n_assignments,
        max_nesting_depth=statements.max_nesting_depth,
        payload_call_chain=chain,
        payload_literal_chars=literal,
    )


# warnings.catch_warnings swaps the process's warning filters: two threads inside it at once can
# leave the other's filters in place (an "error" filter turns a SyntaxWarning into a SyntaxError).
# ast.parse holds the GIL throughout, so the lock costs no parallelism.
_QUIET_PARSE_LOCK = threading.Lock()


def parse_quietly(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` with its warnings (invalid escape sequences and the like, not errors)
    silenced, safe from several threads."""
    with _QUIET_PARSE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=filename)


def measure_python(text: str, max_bytes: int) -> PythonSyntax:
    """Every signal of one Python file (the scalar reference ``python_syntax_signals`` maps)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        return PythonSyntax(not_parsed_reason=f"{size} bytes, over python_syntax_max_bytes ({max_bytes})")
    # Python reads a source file's UTF-8 byte order mark as the encoding, not as code.
    source = text.removeprefix("\ufeff")
    try:
        tree = parse_quietly(source)
    except SyntaxError as error:
        message, line = error.msg, (error.text or "").strip()
        return PythonSyntax(
            parsed=False,
            syntax_error_line=error.lineno,
            syntax_error=message,
            python2_construct=python2_construct(message, line),
        )
    except (ValueError, RecursionError, MemoryError) as error:
        # Null bytes (ValueError), or nesting deeper than the parser's stack: not a verdict on the code.
        return PythonSyntax(not_parsed_reason=f"{type(error).__name__}: {error}"[:200])
    return _structure(source, tree)


def python_syntax_signals(content: pa.Array | pa.ChunkedArray, max_bytes: int) -> pa.StructArray:
    """``measure_python`` of every file of a vector, as a struct (``PYTHON_SYNTAX_TYPE``).

    NULL content gives a NULL struct. ``max_bytes``: files larger than this (UTF-8 bytes) are not
    parsed.
    """
    content = as_array(content)
    names = [f.name for f in fields(PythonSyntax)]
    columns: dict[str, list] = {name: [] for name in names}
    mask = []
    for text in content.to_pylist():
        mask.append(text is None)
        signals = measure_python(text or "", max_bytes)
        for name in names:
            columns[name].append(getattr(signals, name))
    return pa.StructArray.from_arrays(
        [pa.array(columns[name], PYTHON_SYNTAX_TYPE.field(name).type) for name in names],
        fields=list(PYTHON_SYNTAX_TYPE),
        mask=pa.array(mask, pa.bool_()),
    )
