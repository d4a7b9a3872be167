#!/bin/sh
# The README's test command: install dependencies, build from scratch with
# warnings as errors, run every test (unit and integration, real
# containers; needs root), and print one summary line.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/install-deps.sh"
rm -rf build
"$top/scripts/build.sh" --enable-werror
cd build
export SYSCTR_TESTS_MUST_RUN="${SYSCTR_TESTS_MUST_RUN:-1}"
status=0
make -j2 check || status=$?
# failed tests' logs, for CI readers
if [ "$status" -ne 0 ] && [ -f test-suite.log ]; then
	cat test-suite.log
fi
# "N passed, N failed" for whoever reads only the last lines.
if [ -f test-suite.log ]; then
	pass=$(sed -n 's/^# PASS: *//p' test-suite.log | head -n1)
	fail=$(sed -n 's/^# FAIL: *//p' test-suite.log | head -n1)
	err=$(sed -n 's/^# ERROR: *//p' test-suite.log | head -n1)
	skip=$(sed -n 's/^# SKIP: *//p' test-suite.log | head -n1)
	echo "${pass:-0} passed, $(( ${fail:-0} + ${err:-0} )) failed, ${skip:-0} skipped"
fi
exit "$status"
