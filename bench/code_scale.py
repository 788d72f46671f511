"""How long the taint analysis takes on a generated 50,000-line code directory.

The directory has one handler that imports every module and hands the event to each module's
entry function, which spreads it through a dozen helpers (assignments, branches, loops,
f-strings, dict fields, calls across modules) and a few sinks. Every line is reached, so the
figure is the cost of a whole analysis. The baseline is ``ast.parse`` of the same files, run in
the same process: the analysis cannot be cheaper than reading the code once.

    python bench/code_scale.py [--lines 50000]
"""

from __future__ import annotations

import argparse
import ast
import sys
import tempfile
import time
from pathlib import Path

from fnguard.analyze.code import analyze_paths

HELPER = '''
def helper_{m}_{j}(value, options=None):
    """Spread the value through the usual shapes of handler code."""
    result = {{}}
    parts = str(value).split("/")
    for index, part in enumerate(parts):
        if part.isdigit():
            result["n%d" % index] = int(part)
        elif part in ALLOWED_{m}:
            result["k%d" % index] = part
        else:
            result["raw"] = f"{{part}}-{{index}}"
    label = "{{}}:{{}}".format(options or "none", result.get("raw", ""))
    total = sum(v for v in result.values() if isinstance(v, int))
    if total > 100:
        label = label.upper()
    return shared.normalise(label) + "/" + str(total)
'''

ENTRY = '''
def entry_{m}(event):
    body = json.loads(event.get("body") or "{{}}")
    name = body.get("name", "")
    values = [{calls}]
    safe = int(body.get("count", 0))
    os.system("echo %d" % safe)
    if values and {sink}:
        subprocess.run("echo " + values[0], shell=True)
    return {{"statusCode": 200, "body": json.dumps(values)}}
'''

SHARED = '''
def normalise(text):
    cleaned = text.strip().lower()
    return cleaned.replace("..", "")
'''


def generate(root: Path, lines: int) -> list[Path]:
    """Write modules until ``lines`` lines exist; return every file."""
    (root / "lib").mkdir(parents=True)
    (root / "lib/__init__.py").write_text("")
    (root / "lib/shared.py").write_text(SHARED)
    helpers_per_module = 12
    files = [root / "lib/shared.py"]
    written = SHARED.count("\n")
    module = 0
    while written < lines:
        text = [f"import json\nimport os\nimport subprocess\nfrom lib import shared\n\nALLOWED_{module} = {{'a', 'b'}}\n"]
        text += [HELPER.format(m=module, j=j) for j in range(helpers_per_module)]
        calls = ", ".join(f'helper_{module}_{j}(name, body.get("opt"))' for j in range(helpers_per_module))
        text.append(ENTRY.format(m=module, calls=calls, sink="True" if module % 10 == 0 else "False"))
        source = "".join(text)
        path = root / "lib" / f"mod_{module}.py"
        path.write_text(source)
        files.append(path)
        written += source.count("\n")
        module += 1
    imports = "".join(f"from lib.mod_{i} import entry_{i}\n" for i in range(module))
    calls = "".join(f"    results.append(entry_{i}(event))\n" for i in range(module))
    handler = f"{imports}\n\ndef handler(event, context):\n    results = []\n{calls}    return results\n"
    (root / "handler.py").write_text(handler)
    files.append(root / "handler.py")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fnguard-scale-") as tmp:
        root = Path(tmp)
        files = generate(root, args.lines)
        total = sum(p.read_text().count("\n") for p in files)
        started = time.perf_counter()
        for path in files:
            ast.parse(path.read_text(), filename=str(path))
        parse_seconds = time.perf_counter() - started
        started = time.perf_counter()
        findings = analyze_paths([root / "handler.py"], root=root, secrets=False)
        analyze_seconds = time.perf_counter() - started
    commands = [f for f in findings if f.rule_id == "FG401"]
    print(f"files: {len(files)}  lines: {total}")
    print(f"ast.parse of every file (baseline): {parse_seconds:.3f} s")
    print(f"fnguard taint analysis (parse + summaries + flows): {analyze_seconds:.3f} s "
          f"({total / analyze_seconds:,.0f} lines/s)")
    print(f"ratio analysis / ast.parse: {analyze_seconds / parse_seconds:.1f}x")
    print(f"findings: {len(findings)} (FG401 command injection: {len(commands)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
