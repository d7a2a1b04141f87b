"""run.sh run for real: seeds/ only ever go into an index that holds nothing, and every essays command works.

Each test runs a copy of run.sh in a temporary project folder whose .venv/bin/essays is this
environment's, marked as installed, so run.sh skips installing and the tests stay fast.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, many_articles

ESSAYS = Path(sys.executable).with_name("essays")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    (folder / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(ROOT / "run.sh", folder / "run.sh")
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    (folder / ".venv" / "bin" / "essays").symlink_to(ESSAYS)
    (folder / ".venv" / ".installed").touch()
    return folder


def run_sh(project: Path, *args: str, index: Path | None = None) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if key != "ESSAYS_INDEX"}
    if index is not None:
        environment["ESSAYS_INDEX"] = str(index)
    return subprocess.run(["bash", str(project / "run.sh"), *args], cwd=project, env=environment,
                          capture_output=True, text=True, timeout=120)


def essays(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ESSAYS), *args], capture_output=True, text=True, timeout=120)


def test_an_index_that_holds_documents_is_never_seeded(project, tmp_path, write_archive):
    index = tmp_path / "mine"
    archive = write_archive("mine.jsonl", many_articles(3))
    assert essays("index", str(archive), "--index", str(index)).returncode == 0
    for _ in range(4):
        stats = run_sh(project, "stats", index=index)
        assert stats.returncode == 0, stats.stderr
        assert "articles: 3\n" in stats.stdout and "comments: 6\n" in stats.stdout
    assert "no hits" in run_sh(project, "search", "title:serge", index=index).stdout


def test_a_new_index_gets_the_seeds_once_and_output_stays_clean(project, tmp_path):
    index = tmp_path / "fresh"
    first = run_sh(project, "search", '"river of blood"', "--json", index=index)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["total"] == 1  # the seeding summary went to stderr
    assert "added: 1 article, 4 comments" in first.stderr
    again = run_sh(project, "stats", index=index)
    assert "articles: 1\n" in again.stdout and again.stderr == ""


def test_without_essays_index_the_project_index_folder_is_used(project):
    result = run_sh(project, "stats")
    assert result.returncode == 0, result.stderr
    assert "articles: 1\n" in result.stdout and str(Path("index")) in result.stdout
    assert (project / "index").is_dir()


def test_help_and_version_work(project, tmp_path):
    help_text = run_sh(project, "--help", index=tmp_path / "index")
    assert help_text.returncode == 0, help_text.stderr
    assert "Usage:" in help_text.stdout and "search" in help_text.stdout
    assert run_sh(project, "search", "--help", index=tmp_path / "index").returncode == 0
    assert run_sh(project, "--version", index=tmp_path / "index").stdout.startswith("essays, version ")


def test_an_index_option_in_the_arguments_is_the_commands_own(project, tmp_path, write_archive):
    mine = tmp_path / "mine"
    assert essays("index", str(write_archive("mine.jsonl", many_articles(2))), "--index", str(mine)).returncode == 0
    result = run_sh(project, "stats", "--index", str(mine), index=tmp_path / "other")
    assert result.returncode == 0, result.stderr
    assert "articles: 2\n" in result.stdout
