#!/bin/sh
# The checks CI runs after the test run (scripts/run-tests.sh): they need
# no containers, only the tools of scripts/debian-packages.txt.
#
#   - format: clang-format --dry-run --Werror on every C file (.clang-format)
#   - shellcheck: every shell script (templates, scripts, tests, bench, .ci,
#     the bash completion)
#   - map: the files README's "How the code is laid out" names exist,
#     it names every lib/*.c, and liblxc and SQL stay in their modules
#   - sanitizers: the unit tests built with ASan+UBSan (in build-asan/)
#   - distcheck: make distcheck: the tarball builds, its unit tests pass,
#     it installs and uninstalls cleanly (in build-dist/)
#
# ./scripts/ci-checks.sh [CHECK...] runs the named checks (default: all),
# each to the end, prints a line per check with its time, and exits 1 if
# any failed.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
jobs=$(nproc 2>/dev/null || echo 2)

# The project's own files: its source directories and top-level scripts,
# not build trees or what autotools generate. (A walk rather than git
# ls-files: CI's fresh root has no git.)
project_files() {
	find lib cmd tests templates scripts bench config .ci autogen.sh \
		-type f ! -path '*/.deps/*' ! -path '*/.libs/*' 2>/dev/null |
		sort
}

need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			echo "ci-checks: $tool is missing: run scripts/install-deps.sh" >&2
			return 1
		fi
	done
}

check_format() {
	need clang-format || return 1
	# one run over all files: clang-format starts slowly
	# shellcheck disable=SC2046 # one word per file, none has a blank
	clang-format --dry-run --Werror $(project_files | grep -E '\.[ch]$') \
		>"$tmp/format.out" 2>&1 && return 0
	bad=$(sed -n 's/^\([^: ]*\.[ch]\):[0-9]*:[0-9]*: error: .*/\1/p' \
		"$tmp/format.out" | sort -u)
	if [ -z "$bad" ]; then
		cat "$tmp/format.out"
		return 1
	fi
	echo "not formatted as .clang-format says (fix: clang-format -i FILE):"
	for f in $bad; do
		echo "  $f"
	done
	for f in $bad; do
		echo "--- $f (the start of what clang-format would change)"
		clang-format "$f" | diff -u "$f" - | sed -n '3,40p'
	done
	return 1
}

# A shell script: *.sh, a #! line naming a shell, or a shellcheck shell=
# directive (sourced files such as the bash completion).
shell_scripts() {
	project_files | while read -r f; do
		[ -f "$f" ] || continue
		case $f in
		*.sh) echo "$f"; continue ;;
		*.c | *.h | *.md | *.am | *.ac | *.txt | *.conf*) continue ;;
		esac
		if head -n 1 "$f" | grep -Eq '^#!.*[/ ](ba|da)?sh( |$)' ||
			head -n 5 "$f" | grep -q '^# shellcheck shell='; then
			echo "$f"
		fi
	done
}

check_shellcheck() {
	need shellcheck || return 1
	# -x follows the files a script sources (tests/integration/lib.sh)
	# shellcheck disable=SC2046 # one word per file, none has a blank
	shellcheck -x -P SCRIPTDIR -f gcc $(shell_scripts) >"$tmp/sc.out" 2>&1 &&
		return 0
	cat "$tmp/sc.out"
	echo "shellcheck findings in these files (fix them, or disable one"
	echo "inline with the reason; https://www.shellcheck.net/wiki/SCxxxx):"
	cut -d: -f1 "$tmp/sc.out" | sort -u | sed 's/^/  /'
	return 1
}

# The unit tests once more, built with AddressSanitizer (with leak checks)
# and UndefinedBehaviorSanitizer, any report fatal. The sanitizer runtimes
# come with gcc.
check_sanitizers() {
	need autoreconf make gcc || return 1
	[ -x configure ] || NOCONFIGURE=1 ./autogen.sh || return 1
	rm -rf build-asan
	mkdir build-asan && cd build-asan || return 1
	# The static archives of sqlite3, libconfuse and json-c are not
	# instrumented; dynamic linking keeps the sanitizer runtime first.
	../configure --enable-werror --disable-static-deps \
		--disable-integration-tests \
		CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1" \
		LDFLAGS="-fsanitize=address,undefined" >configure.out 2>&1 ||
		{ tail -n 30 configure.out; return 1; }
	if ! make -j"$jobs" >make.out 2>&1; then
		tail -n 40 make.out
		return 1
	fi
	status=0
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		make -j"$jobs" check-unit >check.out 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		cat check.out
		[ -f test-suite.log ] && cat test-suite.log
	else
		grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' check.out
	fi
	return "$status"
}

# make distcheck from a configured tree of its own: the tarball has every
# file the build and the unit tests need (its make check runs only the
# unit tests: AM_DISTCHECK_CONFIGURE_FLAGS in Makefile.am).
check_distcheck() {
	need autoreconf make gcc || return 1
	[ -x configure ] || NOCONFIGURE=1 ./autogen.sh || return 1
	if [ -d build-dist ]; then
		chmod -R u+w build-dist && rm -rf build-dist
	fi
	mkdir build-dist && cd build-dist || return 1
	../configure >configure.out 2>&1 ||
		{ tail -n 30 configure.out; return 1; }
	status=0
	make -j"$jobs" distcheck >distcheck.out 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		tail -n 60 distcheck.out
		log=$(find . -path '*/_build/*' -name test-suite.log | head -n 1)
		[ -n "$log" ] && cat "$log"
	else
		grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)|archives ready' distcheck.out
	fi
	return "$status"
}

# The README's "How the code is laid out" names files: each must exist,
# and every lib/*.c must be named, so the map and the tree agree.
check_map() {
	sect=$(sed -n '/^## How the code is laid out/,/^## /p' README.md)
	[ -n "$sect" ] || { echo "README has no 'How the code is laid out'"; return 1; }
	bad=0
	# shellcheck disable=SC2016 # the backquotes are Markdown's, not a command
	for f in $(printf '%s\n' "$sect" | grep -o '`\(lib\|cmd\)/[A-Za-z0-9._-]*`' | tr -d '`' | sort -u); do
		[ -e "$f" ] || { echo "the map names $f, which does not exist"; bad=1; }
	done
	for f in lib/*.c; do
		printf '%s\n' "$sect" | grep -qF "\`$f\`" ||
			{ echo "the map does not name $f"; bad=1; }
	done
	# and the two boundaries it states: liblxc only in lib/container*,
	# SQL only in lib/store*
	lxc='lxccontainer\.h|struct lxc_|\<lxc_[a-z_]+\(|->(start|stop|shutdown|attach|state|wait|freeze|console|init_pid|get_ips)\('
	out=$(grep -rnE "$lxc" lib cmd --include='*.[ch]' | grep -v '^lib/container')
	[ -z "$out" ] || { echo "liblxc called outside lib/container*:"; echo "$out"; bad=1; }
	out=$(grep -rnE 'sqlite3_|sqlite3\.h' lib cmd --include='*.[ch]' | grep -v '^lib/store')
	[ -z "$out" ] || { echo "SQLite used outside lib/store*:"; echo "$out"; bad=1; }
	return "$bad"
}

# Each check may leave the top directory: the loop comes back to it.
checks=${*:-format shellcheck map sanitizers distcheck}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=
summary=
for c in $checks; do
	case $c in
	format | shellcheck | map | sanitizers | distcheck) ;;
	*) echo "ci-checks: no check '$c'" >&2; exit 2 ;;
	esac
	echo "== ci-checks: $c"
	t0=$(date +%s)
	if "check_$c"; then
		result=ok
	else
		result=FAILED
		failed="$failed $c"
	fi
	t=$(($(date +%s) - t0))
	echo "== ci-checks: $c: $result (${t} s)"
	summary="$summary$c: $result (${t} s)
"
	cd "$top" || exit 1
done
printf '%s' "$summary"
if [ -n "$failed" ]; then
	echo "ci-checks: failed:$failed"
	exit 1
fi
