"""Time a cold `import app` as Lambda starts it, against `import boto3` alone; print the figures.

    python -m bench.cold_start [--runs 9] [--stage prod] [--functions DIR]

Every import runs in a fresh interpreter, in a folder laid out as `chalice package` lays out
the function (app.py, chalicelib/ and chalice's own two files), with the stage's environment
variables set. The package carries no bytecode and Lambda's /var/task is read-only, so what
comes from the package is compiled on every cold start: the interpreters here write no
bytecode either (-B). Three layouts, one column each: the app from the package and boto3
from the installed, compiled copy (as from the runtime's); then with what
functions/requirements.txt packages (boto3, botocore and what they need) copied in beside
the app, as `chalice package` vendors it, so that it is imported from there; then the same
with bytecode compiled into the folder (compileall, unchecked-hash), as a package that
carried it would start.

Three kinds of run in each, interleaved so that the machine's load falls on all alike:
`import app` alone, `import boto3` alone, and `import boto3` then `import app` in one
process, which times what the app imports beyond boto3 directly. The goal is at most a
fifth of boto3's own time. Times are the importing process's CPU time, which other
processes on a shared machine move far less than the wall clock (the files are in the page
cache, so the two are otherwise close); the wall clock is beside it. Then `-X importtime`
names what costs most beyond boto3. It asserts nothing and is not run in CI.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import py_compile
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from importlib import metadata
from pathlib import Path

import chalice
import chalice.app
from chalice.cli.factory import CLIFactory

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ROOT / "functions"
sys.path.insert(0, str(ROOT))

from deploy.stages import load_stage  # noqa: E402

# Everything the app imports beyond boto3 may cost at most this share of boto3's own import.
GOAL = 0.2
# Loaded only when an export runs: a member's form must never pay for them.
# (csv is not among them: boto3 loads it anyway.)
EXPORT_MODULES = ("xlsxwriter", "openpyxl", "chalicelib.exports")

TIMED = """
import json, sys, time
clocks = [(time.process_time(), time.perf_counter())]
import {first}
clocks.append((time.process_time(), time.perf_counter()))
{then}
clocks.append((time.process_time(), time.perf_counter()))
(cpu0, wall0), (cpu1, wall1), (cpu2, wall2) = clocks
loaded = [name for name in sys.modules if name.startswith("chalicelib.") or name in {watched!r}]
first, then = [cpu1 - cpu0, wall1 - wall0], [cpu2 - cpu1, wall2 - wall1]
print(json.dumps({{"first": first, "then": then, "loaded": sorted(loaded)}}))
"""


def package_layout(functions: Path, folder: Path) -> Path:
    """Copy the function into `folder` as `chalice package` zips it, without bytecode; return it."""
    shutil.copy(functions / "app.py", folder / "app.py")
    shutil.copytree(functions / "chalicelib", folder / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "chalice").mkdir()
    shutil.copy(chalice.__file__, folder / "chalice" / "__init__.py")
    shutil.copy(chalice.app.__file__, folder / "chalice" / "app.py")
    return folder


def add_packaged_libraries(functions: Path, folder: Path) -> None:
    """Copy what functions/requirements.txt packages (and what that needs) into `folder`, without bytecode."""
    wanted = [line.split("==")[0] for line in (functions / "requirements.txt").read_text().splitlines()]
    wanted = [name for name in wanted if name and not name.startswith("#")]
    done: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in done:
            continue
        done.add(name)
        library = metadata.distribution(name)
        # What it needs on every platform, not only with an extra asked for.
        needs = [need for need in library.requires or () if "extra ==" not in need]
        wanted += [re.split(r"[\s;<>=!~\[(]", need, maxsplit=1)[0] for need in needs]
        for file in library.files or ():
            if file.parts[0] != ".." and "__pycache__" not in file.parts:
                (folder / file).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(file.locate(), folder / file)


def stage_environment(stage: str) -> dict[str, str]:
    """The environment the stage's function runs with: its config's variables and its region."""
    region = load_stage(stage).region
    variables = CLIFactory(str(FUNCTIONS)).create_config_obj(chalice_stage_name=stage).environment_variables
    return dict(os.environ, AWS_REGION=region, AWS_DEFAULT_REGION=region, **variables)


def timed_import(folder: Path, environment: dict[str, str], first: str, then: str = "") -> dict:
    """Import `first` (then run `then`) in a fresh interpreter; return its timings in seconds."""
    code = TIMED.format(first=first, then=then, watched=EXPORT_MODULES)
    command = [sys.executable, "-B", "-c", code]
    result = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def import_costs(folder: Path, environment: dict[str, str], runs: int) -> list[tuple[float, str]]:
    """Return (median self time in s, importer chain) of each module loaded beyond boto3, costliest first."""
    selves: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        command = [sys.executable, "-B", "-X", "importtime", "-c", "import boto3; import app"]
        result = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, check=True)
        lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
        # The report lists a module after everything it imported; from boto3's line on, only the app's.
        ends = [number for number, line in enumerate(lines) if line.endswith("| boto3")]
        for chain, self_us in _chains(lines[ends[0] + 1 :]):
            selves[chain].append(self_us / 1e6)
    return sorted(((statistics.median(times), chain) for chain, times in selves.items()), reverse=True)


def _chains(lines: list[str]):
    """Yield ("importer > ... > module", self microseconds) for each line of -X importtime."""
    stack: list[str] = []
    # Reversed, the report lists each importer before what it imported.
    for line in reversed(lines):
        self_us, _, name = line.removeprefix("import time:").split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        stack[depth:] = [name.strip()]
        yield " > ".join(stack), int(self_us)


def measure(folder: Path, environment: dict[str, str], runs: int) -> dict:
    """Return the median (CPU, wall) seconds of each kind of run, and what `import app` loaded."""
    alone, boto3_alone, split = [], [], []
    for _ in range(runs):
        alone.append(timed_import(folder, environment, "app"))
        boto3_alone.append(timed_import(folder, environment, "boto3"))
        split.append(timed_import(folder, environment, "boto3", "import app"))

    def median(runs: list[dict], part: str) -> tuple[float, float]:
        return statistics.median(run[part][0] for run in runs), statistics.median(run[part][1] for run in runs)

    return {
        "app": median(alone, "first"),
        "boto3": median(boto3_alone, "first"),
        "beyond": median(split, "then"),
        "loaded": alone[0]["loaded"],
    }


def verdict(figures: dict) -> str:
    """Return the CPU time the app adds over boto3's own, and whether it meets the goal."""
    ratio = figures["beyond"][0] / figures["boto3"][0]
    return f"{ratio:.2f} ({'met' if ratio <= GOAL else 'NOT met'})"


def ms(seconds: tuple[float, float]) -> str:
    return f"{seconds[0] * 1000:4.0f} ms ({seconds[1] * 1000:5.0f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cold_start", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes of each kind (default 9)")
    parser.add_argument("--stage", default="prod", help="whose environment variables to set (default prod)")
    parser.add_argument(
        "--functions",
        type=Path,
        default=FUNCTIONS,
        help="the function's folder (default functions/; another checkout's, to compare)",
    )
    parser.add_argument("--top", type=int, default=12, help="costliest modules to name (default 12)")
    args = parser.parse_args(argv)
    environment = stage_environment(args.stage)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as temporary:
        folder = package_layout(args.functions, Path(temporary))
        costs = import_costs(folder, environment, runs=3)
        runtime_boto3 = measure(folder, environment, args.runs)
        add_packaged_libraries(args.functions, folder)
        packaged_boto3 = measure(folder, environment, args.runs)
        compileall.compile_dir(folder, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        with_bytecode = measure(folder, environment, args.runs)
    columns = (runtime_boto3, packaged_boto3, with_bytecode)

    print(f"\nmedian of {args.runs} fresh processes each, stage {args.stage}'s environment: CPU (wall)")
    print(f"{'':34}{'runtime boto3,':>22}{'packaged boto3,':>22}{'all packaged,':>22}")
    print(f"{'':34}{'app as packaged':>22}{'all as packaged':>22}{'with bytecode':>22}")
    rows = (("import app", "app"), ("import boto3 alone", "boto3"), ("import app after boto3", "beyond"))
    for label, key in rows:
        print(f"  {label:32}" + "".join(f"{ms(figures[key]):>22}" for figures in columns))
    label = f"beyond boto3 / boto3 (goal <= {GOAL})"
    print(f"  {label:32}" + "".join(f"{verdict(figures):>22}" for figures in columns))

    loaded = runtime_boto3["loaded"]
    exported = [name for name in EXPORT_MODULES if name in loaded]
    own = [name.removeprefix("chalicelib.") for name in loaded if name.startswith("chalicelib.")]
    print(f"\nexport modules loaded by import app: {', '.join(exported) or 'none'}")
    print(f"chalicelib modules loaded by import app ({len(own)}): {', '.join(own)}")

    print("\ncostliest modules beyond boto3, as packaged (own time, median of 3 runs of -X importtime)")
    for seconds, chain in costs[: args.top]:
        print(f"  {seconds * 1000:6.1f} ms  {chain}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
