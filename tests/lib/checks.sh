# The check helper for in-VM test scripts; sourced. Each check prints
# "ok - NAME" or "not ok - NAME" with the command's output indented below;
# finish_checks prints the "N passed, M failed" summary.
passed=0
failed=0

check() {	# check NAME COMMAND...: run COMMAND, record the outcome
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok - $name"
		passed=$((passed + 1))
	else
		echo "not ok - $name"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 30
		failed=$((failed + 1))
	fi
}

finish_checks() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
