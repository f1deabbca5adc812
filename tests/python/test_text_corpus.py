"""The FineWeb-Edu-style text corpus built from standard-library docstrings and READMEs."""

from __future__ import annotations

import hashlib
import shutil

import pyarrow.parquet as pq
import pytest

from python_udfs.cli.text_corpus import (
    TEXT_SCHEMA,
    distribution_readme_documents,
    main,
    render_inline_markup,
    stdlib_docstring_documents,
    unwrap_paragraphs,
)
from tests.conftest import STDLIB


def test_stdlib_pages_have_a_docs_url_psf_license_and_a_score_in_range():
    docs = list(stdlib_docstring_documents(["json"]))
    urls = [d["url"] for d in docs]
    assert "https://docs.python.org/3/library/json.html" in urls
    assert "https://docs.python.org/3/library/json.decoder.html" in urls
    for d in docs:
        assert d["licenses"] == ["PSF-2.0"] and d["language"] == "en"
        assert 0 <= d["score"] <= 5 and d["int_score"] in range(6)


def test_readmes_carry_the_distributions_license():
    [numpy] = distribution_readme_documents(["numpy"])
    assert numpy["url"] == "https://pypi.org/project/numpy/" and numpy["licenses"]
    assert "NumPy" in numpy["text"]


def test_markup_is_rendered_and_prose_paragraphs_are_unwrapped():
    assert (
        render_inline_markup(":mod:`json` and :class:`~json.JSONEncoder` use ``dumps``")
        == "json and JSONEncoder use dumps"
    )
    text = "A wrapped\nparagraph of prose.\n\n    indented = code\n    kept = as is\n\n- a list\n- stays"
    assert (
        unwrap_paragraphs(text)
        == "A wrapped paragraph of prose.\n\n    indented = code\n    kept = as is\n\n- a list\n- stays"
    )


def test_same_installation_gives_the_same_bytes(tmp_path):
    args = ["--stdlib", "json", "textwrap", "--dist", "tqdm"]
    main([*args, "--out", str(tmp_path / "a")])
    main([*args, "--out", str(tmp_path / "b")])
    a, b = (tmp_path / d / "part-00000.parquet" for d in "ab")
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    assert pq.read_schema(a).equals(TEXT_SCHEMA)


def test_replaces_only_a_directory_it_wrote(tmp_path):
    args = ["--stdlib", "json", "--out", str(tmp_path / "text")]
    (tmp_path / "text").mkdir()
    shutil.copy(STDLIB / "json" / "decoder.py", tmp_path / "text" / "decoder.py")
    with pytest.raises(SystemExit, match=r"--out .*text holds files that winnow did not write"):
        main(args)
    assert [p.name for p in (tmp_path / "text").iterdir()] == ["decoder.py"]
    assert [p.name for p in tmp_path.iterdir()] == ["text"]
    (tmp_path / "text" / "decoder.py").unlink()
    main(args)  # empty: written
    main(args)  # its own output: replaced
    assert (tmp_path / "text" / "part-00000.parquet").is_file()
