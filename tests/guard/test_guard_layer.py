"""fnguard layer build: the guard alone under python/, usable without site-packages."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fnguard.cli import main


def test_layer_holds_only_the_guard(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "fnguard-layer.zip"
    assert main(["layer", "build", "--output", str(output)]) == 0
    assert "wrote" in capsys.readouterr().out
    names = zipfile.ZipFile(output).namelist()
    assert "python/fnguard/__init__.py" in names
    assert "python/fnguard/guard/__init__.py" in names and "python/fnguard/guard/wrapper.py" in names
    assert any(n.startswith("python/fnguard/guard/envelopes/") for n in names)
    assert any(n.startswith("python/fnguard/guard/waf/") for n in names)
    root = ("python/fnguard/__init__.py", f"python/fnguard/__pycache__/__init__.{sys.implementation.cache_tag}.pyc")
    outside = [n for n in names if n not in root and not n.startswith("python/fnguard/guard/")]
    assert outside == []
    sources = [n for n in names if n.endswith(".py")]
    compiled = [n for n in names if n.endswith(".pyc")]
    tag = sys.implementation.cache_tag
    assert sorted(compiled) == sorted(
        f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.{tag}.pyc" for n in sources
    )


def test_no_compile_leaves_bytecode_out(tmp_path: Path) -> None:
    output = tmp_path / "layer.zip"
    assert main(["layer", "build", "--output", str(output), "--no-compile"]) == 0
    assert not [n for n in zipfile.ZipFile(output).namelist() if "__pycache__" in n or n.endswith(".pyc")]


def test_layer_build_is_reproducible(tmp_path: Path) -> None:
    assert main(["layer", "build", "-o", str(tmp_path / "a.zip")]) == 0
    assert main(["layer", "build", "-o", str(tmp_path / "b.zip")]) == 0
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_refuses_to_overwrite_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "layer.zip"
    output.write_bytes(b"precious")
    assert main(["layer", "build", "--output", str(output)]) == 2
    assert "exists" in capsys.readouterr().err
    assert output.read_bytes() == b"precious"
    assert main(["layer", "build", "--output", str(output), "--force"]) == 0
    assert zipfile.is_zipfile(output)


def test_layer_without_action_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layer"]) == 2
    assert "fnguard layer build" in capsys.readouterr().err


def test_layer_works_in_an_isolated_interpreter(tmp_path: Path) -> None:
    """What Lambda does: only the layer's python/ and the standard library on the path."""
    output = tmp_path / "layer.zip"
    assert main(["layer", "build", "--output", str(output)]) == 0
    zipfile.ZipFile(output).extractall(tmp_path / "opt")
    # The shipped bytecode is what runs: a source broken after the build changes nothing.
    (tmp_path / "opt" / "python" / "fnguard" / "guard" / "redact.py").write_text("this is not python")
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1])\n"
        "from fnguard import protect, Blocked\n"
        "import fnguard\n"
        "assert fnguard.__file__.startswith(sys.argv[1]), fnguard.__file__\n"
        "h = protect(mode='block')(lambda e, c: 'ran')\n"
        "try:\n"
        "    h({'q': '1 UNION SELECT password FROM users--'}, None); print('NOT BLOCKED')\n"
        "except Blocked:\n"
        "    print('BLOCKED')\n"
        "print(h({'q': 'hello'}, None))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script, str(tmp_path / "opt" / "python")],
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-2:] == ["BLOCKED", "ran"]
    assert json.loads(lines[0])["fnguard_event"]["action"] == "blocked"
