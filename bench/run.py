"""Run every benchmark under bench/ and print their figures: ``python bench/run.py [name ...]``.

Each benchmark is a standalone script that prints its own figures and ratios; this runner only runs
them one after another (never in parallel, so they do not disturb each other) and reports failures.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(names: list[str]) -> int:
    scripts = sorted(HERE.glob("bench_*.py"))
    if names:
        scripts = [s for s in scripts if any(name in s.stem for name in names)]
    failed = []
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, check=False)
        print(
            f"--- {script.stem}: {'ok' if result.returncode == 0 else 'FAILED'} "
            f"in {time.perf_counter() - began:.1f} s",
            flush=True,
        )
        if result.returncode != 0:
            failed.append(script.stem)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
