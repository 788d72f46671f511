"""Zero-code install: fnguard.handler runs FNGUARD_HANDLER under the guard."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from guard_helpers import sample

import fnguard
from fnguard.guard import zero_code


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A function's code directory on sys.path, with a handler in a sub-package."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "fnguard_zc_app.py").write_text(
        "CALLS = []\n"
        "def handler(event, context):\n"
        "    CALLS.append(event)\n"
        "    return {'statusCode': 200, 'body': 'from app'}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    monkeypatch.setattr(zero_code, "_resolved", {})
    yield tmp_path
    sys.modules.pop("fnguard_zc_app", None)


def test_lazy_export_from_the_package_root() -> None:
    from fnguard.guard import handler

    assert fnguard.handler is handler


def test_runs_the_named_handler_guarded(app_dir: Path, monkeypatch: pytest.MonkeyPatch, event_lines: Any) -> None:
    monkeypatch.setenv("FNGUARD_HANDLER", "fnguard_zc_app.handler")
    (app_dir / "src" / "fnguard.yml").write_text("mode: block\n")
    context = SimpleNamespace(aws_request_id="r1")
    assert fnguard.handler(sample("apiGatewayProxyEvent.json"), context)["body"] == "from app"
    attack = sample("apiGatewayProxyEvent.json")
    attack["multiValueQueryStringParameters"] = {"q": ["1 UNION SELECT password FROM users--"]}
    assert fnguard.handler(attack, context)["statusCode"] == 403  # fnguard.yml beside the handler: block
    assert len(sys.modules["fnguard_zc_app"].CALLS) == 1
    assert event_lines.of_type("waf")[0]["action"] == "blocked"


def test_lambda_style_path_spec(app_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(app_dir))
    monkeypatch.setenv("FNGUARD_HANDLER", "src/fnguard_zc_app.handler")
    assert zero_code.resolve("src/fnguard_zc_app.handler").__name__ == "handler"


@pytest.mark.parametrize(
    ("spec", "message"),
    [("", "set FNGUARD_HANDLER"), ("nodots", "must be 'module.function'"),
     ("fnguard_zc_missing.handler", "cannot import"), ("fnguard_zc_app.nothing", "has no callable")],
)
def test_bad_handler_spec_raises_a_clear_error(
    spec: str, message: str, app_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FNGUARD_HANDLER", spec)
    with pytest.raises(zero_code.HandlerNotFound, match=message):
        fnguard.handler({}, None)
