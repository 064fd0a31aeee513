#!/usr/bin/env bash
# Fails if a module that has tests (a .java file under src/test/java) ran none under
# surefire: no target/surefire-reports/TEST-*.xml, or all of them with tests="0".
# Prints one line per such module. Modules whose tests run in OSGi instead
# (OSGI_TEST_MODULES) are checked by scripts/osgi-test-summary.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

OSGI_TEST_MODULES=" gic.integration "

modules=$(sed -n 's|^[[:space:]]*<module>\([^<]*\)</module>.*|\1|p' pom.xml)
status=0
for m in $modules; do
  case "$OSGI_TEST_MODULES" in *" $m "*) continue ;; esac
  [ -d "$m/src/test/java" ] || continue
  [ -n "$(find "$m/src/test/java" -type f -name '*.java' -print -quit)" ] || continue

  reports=()
  if [ -d "$m/target/surefire-reports" ]; then
    while IFS= read -r -d '' f; do reports+=("$f"); done \
      < <(find "$m/target/surefire-reports" -maxdepth 1 -type f -name 'TEST-*.xml' -print0)
  fi
  read -r tests failures errors skipped < <(scripts/junit-report-counts.sh ${reports[@]+"${reports[@]}"})
  if [ "$tests" -eq 0 ]; then
    echo "surefire: $m has src/test/java but ran no test" >&2
    status=1
  else
    echo "surefire: $m: $tests tests, $((failures + errors)) failed, $skipped skipped"
  fi
done
exit "$status"
