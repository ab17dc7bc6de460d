"""Print the mutation score and the surviving mutants by file after ``mutmut run``.

Reads ``mutants/mutmut-cicd-stats.json`` (written by ``mutmut export-cicd-stats``) and the
survivor list of ``mutmut results``. Equivalent mutants are marked in the source with
``# pragma: no mutate`` and a comment giving the reason, so they never reach this list.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path


def main() -> int:
    stats_path = Path("mutants/mutmut-cicd-stats.json")
    if not stats_path.exists():
        print("no mutation statistics: run `mutmut run` and `mutmut export-cicd-stats` first")
        return 2
    stats = json.loads(stats_path.read_text())
    killed, survived = stats.get("killed", 0), stats.get("survived", 0)
    decided = killed + survived
    score = killed / decided if decided else float("nan")
    print(f"mutation score: {killed}/{decided} killed = {score:.1%} "
          f"(timeouts {stats.get('timeout', 0)}, suspicious {stats.get('suspicious', 0)}, "
          f"not checked {stats.get('not_checked', 0)})")
    out = subprocess.run(["mutmut", "results"], capture_output=True, text=True).stdout
    by_file: dict[str, list[str]] = defaultdict(list)
    for line in out.splitlines():
        name, _, status = line.strip().partition(": ")
        if status.strip() != "survived" or "__mutmut_" not in name:
            continue
        # mutant names look like checks.framework.x_decide__mutmut_12 (or xǁClassǁmethod...)
        module = name.split(".x_")[0].split(".xǁ")[0]
        by_file[module.replace(".", "/") + ".py"].append(name)
    for module, names in sorted(by_file.items()):
        print(f"{module}: {len(names)} surviving")
        for name in names:
            print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
