#!/usr/bin/env bash
# Mutation testing of the model's mechanism modules with mutmut 3.x (issue 11).
#
#   scripts/mutation.sh                          # every module; resumes: only untested mutants
#   scripts/mutation.sh care/capacity policies/dip  # just these modules (all their mutants re-tested)
#   scripts/mutation.sh --survivors [module ...] # re-test only the surviving mutants (after new tests)
#   scripts/mutation.sh --score [module ...]     # print the scores of the last run, run nothing
#
# Which files are mutated and which tests run: [tool.mutmut] in pyproject.toml. For each mutant
# mutmut runs only the selected tests that call the mutated function, fastest first, stopping
# at the first failure. Results accumulate in mutants/ (gitignored; delete it to start afresh;
# mutmut also re-tests every mutant when the test selection in pyproject.toml changes).
# One worker by default (MUTATION_JOBS=n for more). Too slow for CI: about 2 h for everything
# on one core (the time per module is in README's development section).
#
# Score per module = killed / (mutants - judged equivalent), where killed counts timeouts and
# the equivalent survivors are those listed in scripts/mutation_equivalent.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
unset PYTHONPATH  # mutmut puts mutants/src first on sys.path; nothing may shadow it

mode=run
case ${1:-} in
  --score) mode=score; shift ;;
  --survivors) mode=survivors; shift ;;
esac
patterns=()
for module in "$@"; do
  module=${module%.py}
  module=${module#src/countysim/}
  patterns+=("countysim.${module//\//.}.*")
done

# reads the results of the last run: `scores` prints the table, `survivors` lists the names
# of the surviving mutants not judged equivalent
results() {
  python - "$1" "${patterns[@]}" <<'PY'
import fnmatch
import json
import sys
from collections import Counter
from pathlib import Path

what, patterns = sys.argv[1], sys.argv[2:] or ["*"]
equivalent = set()
for line in Path("scripts/mutation_equivalent.txt").read_text().splitlines():
    name = line.split("#", 1)[0].strip()
    if name:
        equivalent.add(name)
KILLED = {1, 3, 24, -24, 152, 255, 36, 37, -9, -11}  # killed, timeouts, crashes
rows, total, survivors = [], Counter(), []
for meta in sorted(Path("mutants/src").rglob("*.py.meta")):
    module = meta.relative_to("mutants/src").as_posix()[: -len(".py.meta")].replace("/", ".")
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    codes = {k: v for k, v in codes.items() if any(fnmatch.fnmatch(k, p) for p in patterns)}
    if not codes:
        continue
    c = Counter()
    for key, code in codes.items():
        c["mutants"] += 1
        if code is None:
            c["unchecked"] += 1
        elif code in KILLED:
            c["killed"] += 1
        elif key in equivalent:
            c["equivalent"] += 1
        elif code in (5, 33):
            c["no tests"] += 1
            survivors.append(key)
        else:
            c["survived"] += 1
            survivors.append(key)
    rows.append((module, c))
    total += c
if what == "survivors":
    print("\n".join(survivors))
    sys.exit()
print(f"{'module':34} {'mutants':>7} {'killed':>6} {'survived':>8} {'no tests':>8} "
      f"{'equiv':>5} {'unchecked':>9} {'score':>6}")
for module, c in [*rows, ("total", total)]:
    denominator = c["mutants"] - c["equivalent"] - c["unchecked"]
    score = f"{100 * c['killed'] / denominator:5.1f}%" if denominator else "    -"
    print(f"{module:34} {c['mutants']:7} {c['killed']:6} {c['survived']:8} {c['no tests']:8} "
          f"{c['equivalent']:5} {c['unchecked']:9} {score:>6}")
PY
}

if [[ $mode != score ]]; then
  names=("${patterns[@]}")
  if [[ $mode == survivors ]]; then
    mapfile -t names < <(results survivors)
    if ((${#names[@]} == 0)); then
      echo "no surviving mutants to re-test"
    fi
  fi
  if [[ $mode == run || ${#names[@]} -gt 0 ]]; then
    # the progress line and the killed mutants are left out of the log
    mutmut run --max-children "${MUTATION_JOBS:-1}" "${names[@]}" | tr '\r' '\n' \
      | { LC_ALL=C.UTF-8 grep -Ev '^(🎉 |[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] )' || true; }
  fi
fi
results scores
