"""`dbt build` on real standard-library files with injected secrets and HumanEval pastes: the
redacted text, the findings report, the decontamination ledger row, and that no raw secret is
stored in any table of the database."""

from __future__ import annotations

import csv
import hashlib

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import STDLIB, make_dbt_project, stdlib_files, warnings_other_than_an_empty_validation_split
from tests.dbt.decontamination_eval import humaneval_task, pasted_into

pytestmark = pytest.mark.dbt

# Values that must not survive anywhere in the database, by kind.
SECRETS = {
    "aws_access_key_id": ("key", "AKIA" + "Q7RZ4M2XWJ5T8VN3"),
    "aws_secret": ("key", "Tq9mZ2xV7bN4kR8wP1sL6dF3hJ5gC0yA9eU2iO7r"),
    "github_token": ("key", "ghp_" + "Rm3Xk9Qz2Wv7Tn5Lb8Hc1Jd4Fg6Ys0Pa2Ue7i"),
    "stripe_key": ("key", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"),
    "url_password": ("password", "Vh2#Lq8zR4t"),
    "db_password": ("password", "m9X!wQ4zK7pT"),
    "email": ("email", "lucia.fernandez@payments-corp.es"),
    "ip": ("ip_address", "52.95.110.17"),
}
PRIVATE_KEY_BODY = "\n".join(["MIIEowIBAAKCAQEAwq1fK8Xz0bqD2Jm7R5vTyY6nLpQ3sW9eHcA4uG1iKjN8oZ2t"] * 5)
INJECTED_CONFIG = f'''

# --- deployment settings (pasted by a developer) ---
AWS_ACCESS_KEY_ID = "{SECRETS["aws_access_key_id"][1]}"
aws_secret_access_key = "{SECRETS["aws_secret"][1]}"
GITHUB_TOKEN = "{SECRETS["github_token"][1]}"
stripe.api_key = "{SECRETS["stripe_key"][1]}"
DATABASE_URL = "postgresql://orders:{SECRETS["url_password"][1]}@db.payments-corp.es:5432/orders"
db_password = "{SECRETS["db_password"][1]}"
ADMINS = [("Lucia", "{SECRETS["email"][1]}")]
UPSTREAM = "{SECRETS["ip"][1]}"
DEPLOY_KEY = """-----BEGIN RSA PRIVATE KEY-----
{PRIVATE_KEY_BODY}
-----END RSA PRIVATE KEY-----"""
'''

# A row whose metadata carries credentials: a clone URL with a password as its repository, an
# e-mail address and an AWS key id as path segments.
LEAKY_REPO = f"https://ci:{SECRETS['url_password'][1]}@git.payments-corp.es/acme/deploy"
LEAKY_PATH = f"keys/{SECRETS['aws_access_key_id'][1]}/{SECRETS['email'][1]}/bisect.py"

ALLOW_LISTED_TASK = "HumanEval/12"
REWRITTEN_SOLUTION = """    ordered = sorted(numbers)
    return any(later - earlier < threshold for earlier, later in zip(ordered, ordered[1:]))
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("pii_decont")
    task = humaneval_task("HumanEval/0")
    real = {f"json/{p.name}": p.read_text() for p in stdlib_files("json")}
    real["textwrap.py"] = (STDLIB / "textwrap.py").read_text()
    rows = dict(real)
    rows["smtplib_with_secrets.py"] = (STDLIB / "smtplib.py").read_text() + INJECTED_CONFIG
    rows["colorsys_contaminated.py"] = pasted_into(
        (STDLIB / "colorsys.py").read_text(), task["prompt"] + task["canonical_solution"]
    )
    rows["heapq_rewritten.py"] = pasted_into((STDLIB / "heapq.py").read_text(), task["prompt"] + REWRITTEN_SOLUTION)
    rows[LEAKY_PATH] = (STDLIB / "bisect.py").read_text()
    # A paste of a solution the user allow-listed: kept, its n-grams are not searched.
    allowed = humaneval_task(ALLOW_LISTED_TASK)
    rows["glob_with_allowed_solution.py"] = pasted_into(
        (STDLIB / "glob.py").read_text(), allowed["prompt"] + allowed["canonical_solution"]
    )
    (root / "raw").mkdir()
    pq.write_table(
        pa.table(
            {
                "content": list(rows.values()),
                "max_stars_repo_name": [LEAKY_REPO if path == LEAKY_PATH else "acme/service" for path in rows],
                "max_stars_repo_path": list(rows),
                "max_stars_repo_licenses": [["MIT"]] * len(rows),
            }
        ),
        root / "raw" / "part-0.parquet",
    )
    project = make_dbt_project(root / "project")
    project.write_sources(
        [{"source_name": "acme", "parquet_glob": f"{root}/raw/*.parquet", "flavour": "the_stack", "tier": 1}]
    )
    with (project.root / "seeds" / "decontamination_allow_list.csv").open("w", newline="") as seed:
        csv.writer(seed, lineterminator="\n").writerows(
            [("snippet", "reason"), (allowed["canonical_solution"], "a solution this team publishes itself")]
        )
    result = project.dbt("build")
    assert result.returncode == 0, result.stdout[-4000:]
    return project, result


def test_build_passes_every_data_test_including_the_ledger_invariant(built):
    _, result = built
    assert "assert_every_raw_row_is_curated_or_in_the_ledger_once" in result.stdout
    assert "ERROR=0" in result.stdout
    assert warnings_other_than_an_empty_validation_split(result.stdout) == []


def test_injected_secrets_are_replaced_by_their_placeholders(built):
    project, _ = built
    [(content,)] = project.query("select content from fct_curated_files where path = 'smtplib_with_secrets.py'")
    for _, value in SECRETS.values():
        assert value not in content
    assert 'AWS_ACCESS_KEY_ID = "<KEY>"' in content
    assert 'GITHUB_TOKEN = "<KEY>"' in content
    assert "postgresql://orders:<PASSWORD>@db.payments-corp.es:5432/orders" in content
    assert 'db_password = "<PASSWORD>"' in content
    assert 'ADMINS = [("Lucia", "<EMAIL>")]' in content
    assert 'UPSTREAM = "<IP_ADDRESS>"' in content
    assert 'DEPLOY_KEY = """<KEY>"""' in content
    # The rest of the file is the real smtplib, untouched apart from its authors' addresses.
    assert "class SMTP:" in content and "def sendmail(self, from_addr, to_addrs, msg," in content


def test_findings_report_has_offsets_and_hashes_never_values(built):
    project, _ = built
    rows = project.query(
        """select kind, detector, char_offset, char_length, value_hash, placeholder
           from rpt_pii_findings where path = 'smtplib_with_secrets.py' order by char_offset"""
    )
    hashes = {value_hash: (kind, placeholder) for kind, _, _, _, value_hash, placeholder in rows}
    for name, (kind, value) in SECRETS.items():
        digest = hashlib.sha256(value.encode()).hexdigest()[:16]
        assert hashes.get(digest, (None,))[0] == kind, name
    original = (STDLIB / "smtplib.py").read_text() + INJECTED_CONFIG
    for _kind, _, offset, length, value_hash, _ in rows:
        assert hashlib.sha256(original[offset : offset + length].encode()).hexdigest()[:16] == value_hash
    # stable_hash in SQL gives the same hash, so a known value can be looked up.
    [(found,)] = project.query(
        f"select count(*) from rpt_pii_findings where value_hash = substr(sha256('{SECRETS['github_token'][1]}'), 1, 16)"
    )
    assert found == 1


def test_credentials_in_repo_and_path_are_redacted_before_any_table_stores_them(built):
    project, _ = built
    rows = project.query(
        "select repo, path, metadata_redactions from int_raw_files_checked where len(metadata_redactions) > 0"
    )
    assert rows == [
        (
            "https://ci:<PASSWORD>@git.payments-corp.es/acme/deploy",
            "keys/<KEY>/<EMAIL>/bisect.py",
            ["repo:password", "path:email", "path:key"],
        )
    ]
    [(curated,)] = project.query("select count(*) from fct_curated_files where path = 'keys/<KEY>/<EMAIL>/bisect.py'")
    assert curated == 1


def test_humaneval_paste_is_dropped_with_its_task_and_the_rewrite_is_kept(built):
    project, _ = built
    [(stage, rule, value, threshold, detail)] = project.query(
        "select stage, rule, value, threshold, detail from fct_drop_ledger where path = 'colorsys_contaminated.py'"
    )
    # Prompt and solution pasted: every distinctive n-gram of the solution is there.
    assert (stage, rule, value, threshold) == ("decontamination", "benchmark_distinctive_share", 1.0, 0.5)
    assert detail.startswith('humaneval HumanEval/0: "')
    kept = {row[0] for row in project.query("select path from fct_curated_files")}
    assert "heapq_rewritten.py" in kept
    assert {"textwrap.py", "json/decoder.py", "smtplib_with_secrets.py"} <= kept
    [(files_dropped,)] = project.query(
        "select files_dropped from rpt_decontamination where level = 'task' and task_id = 'HumanEval/0'"
    )
    assert files_dropped == 1


def test_an_allow_listed_solution_is_not_searched_and_its_paste_is_kept(built):
    project, _ = built
    [(allow_listed, searched)] = project.query(
        "select ngrams_allow_listed, ngrams_searched from rpt_decontamination"
        f" where level = 'task' and task_id = '{ALLOW_LISTED_TASK}'"
    )
    # Every n-gram with solution tokens lies inside the snippet; prompt n-grams are not indexed.
    assert allow_listed > 10 and searched == 0
    assert project.query("select count(*) from fct_curated_files where path = 'glob_with_allowed_solution.py'") == [
        (1,)
    ]


def varchar_values_containing(
    database, needles: list[str], table_type: str = "BASE TABLE"
) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every needle found in any column holding text (VARCHAR, and
    lists or structs of it, cast to text) of every table of the given type."""
    hits = set()
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            """select c.table_name, c.column_name from information_schema.columns c
               join information_schema.tables t using (table_schema, table_name)
               where t.table_type = ? and c.data_type like '%VARCHAR%'""",
            [table_type],
        ).fetchall()
        for table, column in columns:
            for needle in needles:
                [(n,)] = con.execute(
                    f'select count(*) from "{table}" where contains(cast("{column}" as varchar), ?)', [needle]
                ).fetchall()
                if n:
                    hits.add((table, column, needle))
    return hits


def test_no_raw_secret_is_stored_in_any_table(built):
    project, _ = built
    needles = [value for _, value in SECRETS.values()] + [PRIVATE_KEY_BODY.splitlines()[0]]
    database = project.root / "winnow.duckdb"
    assert varchar_values_containing(database, needles) == set()
    # The scan does find them where they are: the views that read the source Parquet.
    exposed = varchar_values_containing(database, needles, table_type="VIEW")
    assert {needle for _, _, needle in exposed} == set(needles)


def test_a_missing_benchmark_file_stops_the_build_naming_it(built, tmp_path):
    project = make_dbt_project(tmp_path / "project")
    project.write_sources(
        [
            {
                "source_name": "acme",
                "parquet_glob": str(built[0].root.parent / "raw" / "*.parquet"),
                "flavour": "the_stack",
                "tier": 1,
            }
        ]
    )
    (project.root / "seeds" / "benchmarks.csv").write_text(
        "name,path,format,layout,id_field,prompt_field,solution_field\nmbpp,data/mbpp.jsonl,jsonl,mbpp,,,\n"
    )
    result = project.dbt("build", "--select", "+int_benchmark_ngrams")
    assert result.returncode != 0
    assert "benchmark 'mbpp'" in result.stdout and "mbpp.jsonl does not exist" in result.stdout


def test_bad_pii_placeholders_var_stops_with_its_name(built):
    project, _ = built
    result = project.dbt(
        "run", "--select", "int_files_redacted", "--vars", '{"pii_placeholders": {"email": "<EMAIL>"}}'
    )
    assert result.returncode != 0
    assert "var pii_placeholders" in result.stdout
