#!/bin/bash
# Suite "lint": the style checkers our conventions name, on our own files;
# each check fails on any finding and prints them.
#   - the kernel's checkpatch.pl --strict on every C file and header under
#     drivers/, include/ and tools/ (-f: files, not patches);
#   - the kernel's kernel-doc -none -Wall on the same files;
#   - QEMU's checkpatch.pl on the DSA model (tests/qemu/src/);
#   - shellcheck (down to its style notes; .shellcheckrc turns off
#     SC2015, which says why) on every shell script;
#   - the ".. kernel-doc::" directives of Documentation/: each renders
#     (kernel-doc -rst, as Sphinx's kerneldoc extension runs it) with
#     output and no warning, and every file of ours that exports a symbol
#     is pulled in with :export:.
# The checkers come from the trees the bench builds from (KSRC of
# bench.env, the QEMU source beside our QEMU binary); shellcheck is
# Debian's (tests/build/deps.sh installs it).
#
# Not covered yet: the patches under patches/linux/ and tests/qemu/patches/
# are plain diffs, not git format-patch output, so checkpatch reads their
# upstream context as ours (issue 14, item 6).
#
# Cost: about 20 s on the 2-core host (16-18 s while a make check ran
# beside it), no VM (2026-12-03).
set -uo pipefail
. "$(dirname "$0")/../build/common.sh"
. "$TOP/tests/lib/suite.sh"
. "$TOP/tests/lib/checks.sh"

load_bench_env	# KSRC, QEMU
: "${KSRC:?}"
QSRC=$(cd "$(dirname "$QEMU")/../src" && pwd)
cd "$TOP" || exit 2

kernel_files() { git ls-files -- 'drivers/*.[ch]' 'include/*.h' 'tools/*.[ch]'; }

# findings NAME COMMAND...: COMMAND's output is the findings; none passes
findings() {
	local out
	out=$("$@" 2>&1)
	[ -z "$out" ] && return 0
	printf '%s\n' "$out" | head -n 60
	return 1
}

kernel_checkpatch() {	# one run over every file (a perl start-up each costs)
	# shellcheck disable=SC2046  # one word per file
	findings "$KSRC/scripts/checkpatch.pl" --strict --no-tree --terse \
		--show-types -f $(kernel_files)
}

kernel_doc() {
	# shellcheck disable=SC2046  # one word per file
	findings "$KSRC/scripts/kernel-doc" -none -Wall $(kernel_files)
}

qemu_checkpatch() {	# its output names every file, clean or not: the status counts
	local out
	# shellcheck disable=SC2046  # one word per file
	out=$("$QSRC/scripts/checkpatch.pl" --no-tree -f \
		$(git ls-files -- 'tests/qemu/src/*.[ch]') 2>&1) && return 0
	printf '%s\n' "$out" | grep -E '^(ERROR|WARNING)|^#|^total'
	return 1
}

shell_scripts() {
	local f
	git ls-files | while read -r f; do
		case "${f##*/}" in
		*.sh) echo "$f" ;;
		*.*) ;;
		*) head -n 1 "$f" | grep -qE '^#!(/usr)?/bin/(env )?(ba)?sh' &&
			echo "$f" ;;
		esac
	done
}

shell_check() {
	# shellcheck disable=SC2046  # one word per file
	shellcheck -x -P SCRIPTDIR -S style $(shell_scripts)
}

# doc_directives: "RST FILE OPTION [ARGS]" for each ".. kernel-doc:: FILE"
# and the option line under it (none: OPTION empty)
doc_directives() {
	# shellcheck disable=SC2046  # one word per file
	awk '
	function flush() { if (file != "") print FILENAME_ " " file " " opt; file = "" }
	FNR == 1 { flush(); FILENAME_ = FILENAME }
	/^\.\. kernel-doc::/ { flush(); file = $3; opt = ""; next }
	file != "" && /^   :[a-z-]+:/ { opt = $0; sub(/^ +/, "", opt); next }
	{ flush() }
	END { flush() }' $(git ls-files -- 'Documentation/*.rst')
}

# kernel_doc_directives: render each; an :export: of every exporting file
kernel_doc_directives() {
	local rst file opt args out rc=0 f n=0
	local -a a
	while read -r rst file opt args; do
		n=$((n + 1))
		a=()
		case "$opt" in
		:export:) a=(-export) ;;
		:internal:) a=(-internal) ;;
		:identifiers:) for f in $args; do a+=(-function "$f"); done ;;
		'') ;;
		*) echo "$rst: $file: option $opt is not checked here"; rc=1; continue ;;
		esac
		if [ ! -f "$file" ]; then
			echo "$rst: $file: no such file"
			rc=1
			continue
		fi
		out=$("$KSRC/scripts/kernel-doc" -rst -sphinx-version 5.3.0 -Wall "${a[@]}" "$file" 2>&1 >/dev/null)
		if [ -n "$out" ]; then
			printf '%s: %s %s: %s\n' "$rst" "$file" "$opt${args:+ $args}" "$out"
			rc=1
		fi
		if ! "$KSRC/scripts/kernel-doc" -rst -sphinx-version 5.3.0 "${a[@]}" "$file" 2>/dev/null |
			grep -q '^\.\. c:'; then
			echo "$rst: $file $opt $args: renders nothing"
			rc=1
		fi
	done < <(doc_directives)
	[ "$n" -gt 0 ] || { echo "no kernel-doc directive in Documentation/"; rc=1; }
	for f in $(git grep -l -E '^EXPORT_SYMBOL' -- 'drivers/*.c'); do
		doc_directives | grep -q " $f :export:" ||
			{ echo "$f exports symbols but no Documentation/ pulls it in with :export:"; rc=1; }
	done
	return "$rc"
}

if [ ! -x "$KSRC/scripts/checkpatch.pl" ] || [ ! -x "$QSRC/scripts/checkpatch.pl" ]; then
	echo "not ok - lint: no checkpatch.pl in $KSRC or $QSRC"
	echo "0 passed, 1 failed"
	exit 1
fi
check "checkpatch.pl --strict: $(kernel_files | wc -l) files of drivers/, include/, tools/" \
	kernel_checkpatch
check "kernel-doc -none -Wall: the same files" kernel_doc
check "QEMU's checkpatch.pl: the DSA model, $(git ls-files -- 'tests/qemu/src/*.[ch]' | wc -l) files" \
	qemu_checkpatch
check "shellcheck -S style: $(shell_scripts | wc -l) shell scripts" shell_check
check "Documentation/: $(doc_directives | wc -l) kernel-doc directives render, every exporting file is in one" \
	kernel_doc_directives
finish_checks
