# shellcheck shell=bash
# The check helper for in-VM test scripts; sourced. Each check prints
# "ok - NAME" or "not ok - NAME" with the command's output indented below;
# finish_checks prints where the time went and the "N passed, M failed"
# summary.
passed=0
failed=0
check_times=()	# "MICROSECONDS NAME" per check, for finish_checks

check() {	# check NAME COMMAND...: run COMMAND, record the outcome
	local name=$1 out start end
	shift
	# bash 5's wall clock in microseconds, read without a fork
	start=${EPOCHREALTIME/[.,]/}
	if out=$("$@" 2>&1); then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 30
		failed=$((failed + 1))
	fi
	end=${EPOCHREALTIME/[.,]/}
	check_times+=("$((end - start)) $name")
}

# The checks that took longest, as TAP comments: a suite's cost is
# measured, not guessed, and it is in every log.
print_slowest_checks() {
	local total=0 t
	for t in "${check_times[@]}"; do
		total=$((total + ${t%% *}))
	done
	echo "# checks: $((total / 1000000)) s in all; the slowest:"
	printf '%s\n' "${check_times[@]}" | sort -rn | head -n "${1:-6}" |
		awk '{ printf "#   %6.1f s %s\n", $1 / 1e6, substr($0, length($1) + 2) }'
}

finish_checks() {
	[ "${#check_times[@]}" -eq 0 ] || print_slowest_checks 6
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
