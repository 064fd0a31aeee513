#!/usr/bin/env bash
# Usage: scripts/junit-report-counts.sh [REPORT.xml ...]
# Sums the JUnit XML reports given (surefire's and bnd tester's TEST-*.xml) and prints
# one line: "<tests> <failures> <errors> <skipped>". No file: "0 0 0 0".
# Reads the attributes of each file's first <testsuite> element; plain awk, no XML tools.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "0 0 0 0"
  exit 0
fi

awk '
  function attr(tag, name,    m) {
    if (match(tag, "[ \t\r\n]" name "=\"[0-9]+\"")) {
      m = substr(tag, RSTART, RLENGTH)
      sub(/^[ \t\r\n][A-Za-z]+="/, "", m)
      sub(/"$/, "", m)
      return m + 0
    }
    return 0
  }
  BEGIN { RS = ">" }
  FNR == 1 { seen = 0 }
  !seen && /<testsuite[ \t\r\n]/ {
    seen = 1
    tests += attr($0, "tests"); failures += attr($0, "failures")
    errors += attr($0, "errors"); skipped += attr($0, "skipped")
  }
  END { printf "%d %d %d %d\n", tests, failures, errors, skipped }
' "$@"
