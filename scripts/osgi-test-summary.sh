#!/usr/bin/env bash
# Prints "osgi: N passed, N failed, N skipped" for the OSGi integration tests, from the bnd
# tester's reports (gic.integration/target/test-reports/<bndrun>/TEST-*.xml). bnd-testing
# itself prints no counts. Exits 1 if no test ran at all, or if any test failed or erred:
# a tester that finds no tests leaves the build green.
set -euo pipefail
cd "$(dirname "$0")/.."

reports=()
if [ -d gic.integration/target/test-reports ]; then
  while IFS= read -r -d '' f; do reports+=("$f"); done \
    < <(find gic.integration/target/test-reports -type f -name 'TEST-*.xml' -print0 | sort -z)
fi

read -r tests failures errors skipped < <(scripts/junit-report-counts.sh ${reports[@]+"${reports[@]}"})
failed=$((failures + errors))
passed=$((tests - failed - skipped))
echo "osgi: $passed passed, $failed failed, $skipped skipped"

if [ "$tests" -eq 0 ]; then
  echo "osgi: no OSGi test ran (${#reports[@]} report files under gic.integration/target/test-reports)" >&2
  exit 1
fi
if [ "$failed" -ne 0 ]; then
  exit 1
fi
