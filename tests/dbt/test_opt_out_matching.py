"""The opt-out normalisation (macros/opt_out.sql) as dbt compiles it, run on DuckDB: every way of
writing a repository or a host meets on one key, and a host is covered by its parent domains."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import make_dbt_project

pytestmark = pytest.mark.dbt

MATCHING_SQL = """
select value, key, {{ opt_out_match_keys('key') }} as match_keys
from (select value, {{ opt_out_key('value') }} as key from opt_out_cases)
"""


@pytest.fixture(scope="module")
def normalise(tmp_path_factory):
    """value -> (key, match keys), through the macros exactly as dbt renders them."""
    project = make_dbt_project(tmp_path_factory.mktemp("opt_out_matching") / "project")
    result = project.dbt("--quiet", "compile", "--inline", MATCHING_SQL)
    assert result.returncode == 0, result.stdout[-4000:]
    sql = result.stdout.strip()
    con = duckdb.connect()

    def run(values: list[str]) -> dict[str, tuple[str, list[str]]]:
        con.execute("create or replace temp table opt_out_cases (value varchar)")
        con.executemany("insert into opt_out_cases values (?)", [[v] for v in values])
        return {value: (key, keys) for value, key, keys in con.execute(sql).fetchall()}

    return run


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("Owner/Repo", "owner/repo"),
        ("owner/repo.git", "owner/repo"),
        ("github.com/owner/repo", "owner/repo"),
        ("https://github.com/owner/repo", "owner/repo"),
        ("https://GitHub.com/Owner/Repo.git/", "owner/repo"),
        ("http://www.github.com/owner/repo/tree/main/setup.py?plain=1#L3", "owner/repo"),
        ("git@github.com:owner/repo.git", "owner/repo"),
        ("https://gitlab.com/group/sub/repo/-/tree/main", "group/sub/repo"),
        ("  owner/repo/  ", "owner/repo"),
        ("www.example.com", "example.com"),
        ("example.com:443", "example.com"),
        ("EXAMPLE.COM", "example.com"),
        ("example.com.", "example.com"),
        ("https://user:pw@example.com/", "example.com"),
        ("https://user:pw@www.Example.com.:8443/some/page?q=1", "example.com"),
        ("example.com/some/page", "example.com/some/page"),
        ("https://", ""),
    ],
)
def test_every_spelling_normalises_to_one_key(normalise, value, key):
    assert normalise([value])[value][0] == key


def test_a_host_is_covered_by_its_parent_domains_and_a_repository_only_by_itself(normalise):
    result = normalise(["https://docs.Blog.example.com/x", "Owner/Repo-Fork"])
    assert result["https://docs.Blog.example.com/x"][1] == [
        "docs.blog.example.com",
        "blog.example.com",
        "example.com",
        "com",
    ]
    assert result["Owner/Repo-Fork"][1] == ["owner/repo-fork"]


owners = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,14}", fullmatch=True).filter(lambda o: not o.isdigit())
repos = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,19}", fullmatch=True).filter(
    lambda r: not r.lower().endswith(".git") and not r.endswith(".")
)
labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
hosts = st.lists(labels, min_size=2, max_size=4).map(".".join).filter(lambda h: not h.startswith("www."))
cases = st.lists(st.booleans(), min_size=12, max_size=12)


def cased(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flips[i % len(flips)] else c for i, c in enumerate(text))


@settings(max_examples=60, deadline=None)
@given(
    owner=owners,
    repo=repos,
    flips=cases,
    prefix=st.sampled_from(
        [
            "",
            "github.com/",
            "https://github.com/",
            "http://www.github.com/",
            "https://user:pw@github.com/",
            "git@github.com:",
            "https://github.com:443/",
        ]
    ),
    suffix=st.sampled_from(["", ".git", "/", ".git/", "/tree/main", "?tab=readme#top"]),
)
def test_any_spelling_of_a_repository_gives_owner_slash_repo_lower_cased(normalise, owner, repo, flips, prefix, suffix):
    if not prefix and suffix == "/tree/main":
        suffix = ""  # without a forge host every path segment is part of the name
    value = prefix + cased(f"{owner}/{repo}", flips) + suffix
    assert normalise([value])[value][0] == f"{owner}/{repo}".lower()


@settings(max_examples=60, deadline=None)
@given(
    host=hosts,
    flips=cases,
    scheme=st.sampled_from(["", "https://", "HTTP://"]),
    credentials=st.sampled_from(["", "user@", "user:pw@"]),
    www=st.booleans(),
    trailing_dot=st.booleans(),
    port=st.sampled_from(["", ":443", ":8080"]),
    rest=st.sampled_from(["", "/", "/page.html?x=1#y"]),
)
def test_any_spelling_of_a_host_gives_the_host_lower_cased(
    normalise, host, flips, scheme, credentials, www, trailing_dot, port, rest
):
    rest = rest if scheme else rest[:1]  # without a scheme a path is kept: it names a repository
    value = (
        scheme
        + credentials
        + ("www." if www else "")
        + cased(host, flips)
        + ("." if trailing_dot else "")
        + port
        + rest
    )
    key, match_keys = normalise([value])[value]
    assert key == host
    assert match_keys[0] == host and match_keys[-1] == host.rsplit(".", 1)[-1]


def test_an_entry_that_names_nothing_fails_the_build_naming_it(dbt_project):
    (dbt_project.root / "seeds" / "opt_out_repos.csv").write_text(
        "repo,requested_on,reference\nowner/repo,2026-11-30,ok\nhttps://,2026-11-30,pasted a bare scheme\n"
    )
    assert dbt_project.dbt("seed", "--select", "opt_out_repos").returncode == 0
    result = dbt_project.dbt("test", "--select", "assert_opt_out_entries_name_a_repository_or_host")
    assert result.returncode != 0
    assert "FAIL 1 assert_opt_out_entries_name_a_repository_or_host" in result.stdout, result.stdout[-3000:]
