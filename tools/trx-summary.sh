#!/usr/bin/env bash
# Sums the outcome counters of every TRX file under a folder and prints "N passed, N failed, N skipped".
dir=${1:-TestResults}
passed=0; failed=0; skipped=0
shopt -s nullglob globstar
files=("$dir"/**/*.trx)
for f in "${files[@]}"; do
  # Only the per-test results count: the file's ResultSummary carries an outcome attribute too.
  outcomes=$(grep -o '<UnitTestResult [^>]*>' "$f" | grep -o 'outcome="[A-Za-z]*"')
  p=$(grep -c 'outcome="Passed"' <<<"$outcomes")
  x=$(grep -c 'outcome="Failed"' <<<"$outcomes")
  s=$(grep -c 'outcome="NotExecuted"' <<<"$outcomes")
  passed=$((passed + p)); failed=$((failed + x)); skipped=$((skipped + s))
done
if [ ${#files[@]} -eq 0 ]; then failed=1; echo "no TRX results found under $dir" >&2; fi
echo "$passed passed, $failed failed, $skipped skipped"
