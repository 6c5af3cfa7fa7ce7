# shellcheck shell=bash
# Shared settings for the build scripts; sourced, not run.
# Build outputs live outside the checkout so a clean clone on a warm
# machine reuses them; every tree below is keyed by its inputs.
: "${IDXD_SIOV_CACHE:=/var/cache/idxd-siov}"
export IDXD_SIOV_CACHE
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export TOP
export CCACHE_DIR="$IDXD_SIOV_CACHE/ccache"
# shellcheck disable=SC2034  # JOBS: for the build scripts that source this
JOBS=$(nproc)

log() { echo "[$(date +%T)] $*" >&2; }

# hash_inputs FILE_OR_DIR...: one short hash over the content of the inputs.
hash_inputs() {
	find "$@" -type f -print0 2>/dev/null | sort -z |
		xargs -0 sha256sum | sed "s#$TOP/##" | sha256sum | cut -c1-16
}

# sync_tree SRC DST: make DST's content equal SRC's, touching only files
# whose content differs, so make/ninja rebuild only what really changed.
sync_tree() {
	mkdir -p "$2"
	# no -t: files whose content did not change keep their old mtime
	rsync -rlpgoD --checksum --delete "$1"/ "$2"/
}
