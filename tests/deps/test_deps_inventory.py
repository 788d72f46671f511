"""Dependency-file parsers: one sample per format, written as the tools write them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fnguard.deps.inventory import collect, collect_file, parser_for
from fnguard.deps.inventory.interface import LockfileError
from fnguard.deps.inventory.package_lock import PackageLockParser
from fnguard.deps.inventory.requirements import RequirementsParser


def _pins(path: Path) -> dict[str, str | None]:
    inventory = collect_file(path)
    assert not inventory.errors, inventory.errors
    return {d.name: d.version for f in inventory.files for d in f.dependencies}


def test_requirements_with_includes_constraints_hashes_markers_and_urls(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("six==1.16.0\n")
    (tmp_path / "constraints.txt").write_text("requests==2.21.0\nnever-required==1.0\n")
    (tmp_path / "requirements.txt").write_text(
        "# app\n-r base.txt\n-c constraints.txt\n--index-url https://example.invalid/simple\n"
        "jsonpickle==1.4.2 \\\n    --hash=sha256:aaaa --hash=sha256:bbbb\n"
        "requests>=2.0\n"
        "PyYAML==3.13 ; python_version < '3.8'\n"
        "boto3\n"
        "-e git+https://github.com/org/lib.git#egg=lib\n"
        "mylib @ https://example.invalid/mylib-1.0.tar.gz\n"
    )
    parsed = RequirementsParser().parse(tmp_path / "requirements.txt")
    by_name = {d.name: d for d in parsed.dependencies}
    assert by_name["six"].version == "1.16.0" and by_name["six"].file.endswith("base.txt")
    assert by_name["jsonpickle"].version == "1.4.2" and by_name["jsonpickle"].line == 5
    assert by_name["requests"].version == "2.21.0"  # pinned by the constraints file
    assert "never-required" not in by_name
    assert by_name["PyYAML"].version == "3.13" and by_name["PyYAML"].marker == 'python_version < "3.8"'
    assert by_name["boto3"].version is None and by_name["boto3"].unauditable is None
    assert by_name["lib"].unauditable == "editable"
    assert by_name["mylib"].unauditable == "url"


def test_conflicting_pins_in_requirements_are_a_warning_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text("urllib3==1.24.1\nurllib3==1.26.5\n")
    parsed = RequirementsParser().parse(path)
    assert any(str(path) in w and "conflicting pins for urllib3" in w for w in parsed.warnings)
    assert {d.version for d in parsed.dependencies} == {"1.24.1", "1.26.5"}


def test_package_lock_v1_nested_and_aliases(tmp_path: Path) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps({
        "name": "x", "lockfileVersion": 1, "dependencies": {
            "a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0", "dev": True}}},
            "c": {"version": "npm:real-c@3.1.0"},
            "d": {"version": "github:org/d#abc", "from": "github:org/d"},
        }}, indent=2))
    deps = {d.name: d for d in PackageLockParser().parse(path).dependencies}
    assert deps["a"].version == "1.0.0" and deps["a"].line is not None
    assert deps["b"].version == "2.0.0" and deps["b"].dev and deps["b"].direct is False
    assert deps["real-c"].version == "3.1.0"
    assert deps["d"].unauditable == "vcs" and deps["d"].version is None


@pytest.mark.parametrize("version", [2, 3])
def test_package_lock_v2_v3_packages_section(tmp_path: Path, version: int) -> None:
    path = tmp_path / "package-lock.json"
    path.write_text(json.dumps({
        "lockfileVersion": version, "packages": {
            "": {"name": "app", "dependencies": {"node-uuid": "1.4.3"}},
            "node_modules/node-uuid": {"version": "1.4.3"},
            "node_modules/@scope/pkg": {"version": "0.1.0", "dev": True},
            "node_modules/x/node_modules/node-uuid": {"version": "1.4.8"},
            "packages/local": {"version": "0.0.0"},
            "node_modules/local": {"resolved": "packages/local", "link": True},
        }}))
    deps = [(d.name, d.version, d.direct) for d in PackageLockParser().parse(path).dependencies]
    assert ("node-uuid", "1.4.3", True) in deps and ("node-uuid", "1.4.8", False) in deps
    assert ("@scope/pkg", "0.1.0", False) in deps
    assert all(name != "local" for name, _, _ in deps)


def test_pipfile_lock_poetry_uv_pylock_pyproject(tmp_path: Path) -> None:
    (tmp_path / "Pipfile.lock").write_text(json.dumps({
        "_meta": {"pipfile-spec": 6}, "default": {"urllib3": {"version": "==1.24.1"}},
        "develop": {"requests": {"version": "==2.21.0"}, "lib": {"git": "https://x/lib.git", "ref": "abc"}}}))
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "pyyaml"\nversion = "3.13"\ncategory = "main"\n\n'
        '[[package]]\nname = "pytest"\nversion = "7.0.0"\ngroups = ["dev"]\n')
    (tmp_path / "uv.lock").write_text(
        'version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\n\n'
        '[[package]]\nname = "flask"\nversion = "1.1.4"\nsource = { registry = "https://pypi.org/simple" }\n')
    (tmp_path / "pylock.toml").write_text(
        'lock-version = "1.0"\n[[packages]]\nname = "werkzeug"\nversion = "1.0.1"\n')
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\ndependencies = ["pyjwt==1.6.4", "boto3>=1.20"]\n'
        '[tool.poetry.dependencies]\npython = "^3.11"\ncryptography = "2.3"\nrich = "^13"\n')
    assert _pins(tmp_path / "Pipfile.lock") == {"urllib3": "1.24.1", "requests": "2.21.0", "lib": None}
    assert _pins(tmp_path / "poetry.lock") == {"pyyaml": "3.13", "pytest": "7.0.0"}
    assert _pins(tmp_path / "uv.lock") == {"flask": "1.1.4"}
    assert _pins(tmp_path / "pylock.toml") == {"werkzeug": "1.0.1"}
    assert _pins(tmp_path / "pyproject.toml") == {"pyjwt": "1.6.4", "boto3": None, "cryptography": "2.3", "rich": None}
    dev = {d.name: d.dev for f in collect_file(tmp_path / "poetry.lock").files for d in f.dependencies}
    assert dev == {"pyyaml": False, "pytest": True}
    # pyproject beside a lock only says what is direct: its ranges are not "unpinned" findings
    pyproject = next(f for f in collect([tmp_path]).files if f.format == "pyproject.toml")
    assert pyproject.pins_only


def test_yarn_classic_and_berry(tmp_path: Path) -> None:
    classic = tmp_path / "classic" / "yarn.lock"
    classic.parent.mkdir()
    classic.write_text(
        '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n'
        '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.8.3":\n  version "7.8.3"\n'
        '  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.8.3.tgz#33e25903"\n'
        '  dependencies:\n    "@babel/highlight" "^7.8.3"\n\n'
        'node-uuid@~1.4.0:\n  version "1.4.3"\n  resolved "https://registry.yarnpkg.com/node-uuid/-/node-uuid-1.4.3.tgz"\n')
    berry = tmp_path / "berry" / "yarn.lock"
    berry.parent.mkdir()
    berry.write_text(
        '__metadata:\n  version: 6\n  cacheKey: 8\n\n'
        '"app@workspace:.":\n  version: 0.0.0-use.local\n  resolution: "app@workspace:."\n\n'
        '"lodash@npm:^4.17.0":\n  version: 4.17.15\n  resolution: "lodash@npm:4.17.15"\n  checksum: abc\n')
    assert _pins(classic) == {"@babel/code-frame": "7.8.3", "node-uuid": "1.4.3"}
    assert _pins(berry) == {"lodash": "4.17.15"}


@pytest.mark.parametrize(
    ("lockfile_version", "packages", "expected"),
    [
        ("5.4", {"/lodash/4.17.15": {"resolution": {"integrity": "sha512-x"}},
                 "/@types/node/14.0.1": {"dev": True, "resolution": {"integrity": "sha512-y"}},
                 "/react-dom/16.14.0_react@16.14.0": {"resolution": {"integrity": "sha512-z"}}},
         {"lodash": "4.17.15", "@types/node": "14.0.1", "react-dom": "16.14.0"}),
        ("'6.0'", {"/lodash@4.17.15": {"resolution": {"integrity": "sha512-x"}},
                   "/react-dom@18.2.0(react@18.2.0)": {"resolution": {"integrity": "sha512-z"}}},
         {"lodash": "4.17.15", "react-dom": "18.2.0"}),
        ("'9.0'", {"lodash@4.17.15": {"resolution": {"integrity": "sha512-x"}},
                   "@scope/pkg@1.0.0": {"resolution": {"integrity": "sha512-w"}}},
         {"lodash": "4.17.15", "@scope/pkg": "1.0.0"}),
    ],
)
def test_pnpm_lock_versions(tmp_path: Path, lockfile_version: str, packages: dict, expected: dict) -> None:
    import yaml

    path = tmp_path / "pnpm-lock.yaml"
    path.write_text(f"lockfileVersion: {lockfile_version}\n" + yaml.safe_dump({"packages": packages}))
    assert _pins(path) == expected


def test_vendored_dist_info_with_top_level(tmp_path: Path) -> None:
    info = tmp_path / "vendor" / "PyYAML-3.13.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: PyYAML\nVersion: 3.13\nSummary: YAML\n\nbody\n")
    (info / "top_level.txt").write_text("_yaml\nyaml\n")
    dependency = collect([tmp_path]).files[0].dependencies[0]
    assert (dependency.name, dependency.version, dependency.top_level) == ("PyYAML", "3.13", ("_yaml", "yaml"))


def test_package_json_exact_versions_are_pins_and_ranges_are_not(tmp_path: Path) -> None:
    path = tmp_path / "package.json"
    path.write_text(json.dumps({"dependencies": {"node-serialize": "0.0.4", "express": "^4.17.1",
                                                 "lib": "github:org/lib", "alias": "npm:real@1.0.0"},
                                "devDependencies": {"jest": "29.0.0"}}, indent=2))
    parsed = collect_file(path).files[0]
    by_name = {d.name: d for d in parsed.dependencies}
    assert by_name["node-serialize"].version == "0.0.4" and by_name["node-serialize"].line == 3
    assert by_name["express"].version is None and by_name["express"].unauditable is None
    assert by_name["lib"].unauditable == "vcs"
    assert by_name["real"].version == "1.0.0"
    assert by_name["jest"].dev
    assert not parsed.pins_only
    (tmp_path / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {}}')
    assert collect_file(path).files[0].pins_only


def test_parser_dispatch_by_name() -> None:
    assert parser_for(Path("requirements-dev.txt")).name == "requirements"
    assert parser_for(Path("dev-requirements.txt")).name == "requirements"
    assert parser_for(Path("npm-shrinkwrap.json")).name == "package-lock"
    assert parser_for(Path("README.md")) is None


def test_corpus_lock_files(corpus: Path) -> None:
    apps = corpus / "apps"
    pipfile = _pins(apps / "DVFaaS" / "Pipfile.lock")
    assert pipfile["pyyaml"] == "3.13" and pipfile["urllib3"] == "1.24.1" and pipfile["requests"] == "2.21.0"
    dvsa = collect_file(apps / "DVSA" / "package-lock.json").files[0].dependencies
    top_level = json.loads((apps / "DVSA" / "package-lock.json").read_text())["dependencies"]
    assert len(top_level) == 563
    assert {d.name for d in dvsa} >= set(top_level)
    with pytest.raises(LockfileError):
        RequirementsParser().parse(apps / "does-not-exist.txt")


def test_package_lock_v1_direct_entries_come_from_package_json(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"a": "^1.0.0"}}))
    (tmp_path / "package-lock.json").write_text(json.dumps({"lockfileVersion": 1, "dependencies": {
        "a": {"version": "1.0.0"}, "b": {"version": "2.0.0"}}}))
    deps = {d.name: d.direct for d in PackageLockParser().parse(tmp_path / "package-lock.json").dependencies}
    assert deps == {"a": True, "b": False}


@pytest.mark.parametrize(("filename", "dev"), [("requirements-dev.txt", True), ("test-requirements.txt", True),
                                               ("requirements.txt", False), ("requirements-prod.txt", False)])
def test_development_requirement_files(tmp_path: Path, filename: str, dev: bool) -> None:
    (tmp_path / filename).write_text("pytest==7.0.0\n")
    assert RequirementsParser().parse(tmp_path / filename).dependencies[0].dev is dev
