#!/usr/bin/env bash
# The README's test command: installs host prerequisites (as root), builds, runs every test
# project, and prints one plain summary line ("N passed, N failed, N skipped").
set -uo pipefail
cd "$(dirname "$0")/.."
bash eng/install-prereqs.sh || exit 1
results=artifacts/test-results
rm -rf "$results"
dotnet test distri.slnx --logger "trx" --results-directory "$results" "$@"
status=$?
python3 - "$results" <<'PY' || true
import sys, glob, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
# Each test's own outcome: MSTest 4 counts skipped and inconclusive tests in no summary counter
# (only total minus executed), so the results are what is counted.
for f in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    root = ET.parse(f).getroot()
    for r in root.iterfind(".//t:Results/t:UnitTestResult", ns):
        outcome = r.get("outcome", "")
        if outcome == "Passed": passed += 1
        elif outcome in ("Failed", "Error", "Timeout", "Aborted"): failed += 1
        else: skipped += 1
    # a test with no result at all (the run aborted or crashed) did not pass
    c = root.find("t:ResultSummary/t:Counters", ns)
    if c is not None: failed += max(0, int(c.get("total", 0)) - len(root.findall(".//t:Results/t:UnitTestResult", ns)))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
