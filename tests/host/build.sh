# shellcheck shell=bash
# Builds our parent driver (drivers/dma/idxd) against the bench kernel, for
# tests/host/suite.sh and tests/host/bench.sh; sourced after
# tests/build/common.sh and load_bench_env (tests/lib/suite.sh). The
# sources are copied to the cache and built there, so no object lands in
# the checkout.

# build_parent: build the modules; sets PARENT_KMOD to the directory that
# holds siov_idxd_bus.ko and idxd.ko.
build_parent() {
	local build="$IDXD_SIOV_CACHE/parent-build"
	# The Makefile finds include/linux/idxd_siov.h three levels up.
	sync_tree "$TOP/include" "$build/include"
	sync_tree "$TOP/drivers/dma/idxd" "$build/drivers/dma/idxd"
	make -s -C "$KBUILD" M="$build/drivers/dma/idxd" W=1 C=1 modules >&2
	# shellcheck disable=SC2034  # used by the scripts that source this
	PARENT_KMOD=$build/drivers/dma/idxd
}
