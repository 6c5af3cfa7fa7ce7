# shellcheck shell=bash
# Builds our parent driver (drivers/dma/idxd) against the bench kernel, for
# tests/host/suite.sh and tests/host/bench.sh; sourced after
# tests/build/common.sh and load_bench_env (tests/lib/suite.sh). The
# sources are copied to the cache and built there, so no object lands in
# the checkout.

# build_parent: build every module of the tree (Kbuild at the top: the
# ims-array irqchip, the parent driver); sets PARENT_BUILD to the build
# tree (its Module.symvers), PARENT_KMOD to the directory that holds
# siov_idxd_bus.ko and idxd.ko and IMS_KMOD to irq-ims-array.ko's.
# The tree is keyed by the sources' hash: a suite running while another
# one builds different sources keeps its .ko files (a shared tree was
# rewritten under a running VM's insmod: "Unknown symbol in module").
# The last few trees are kept.
build_parent() {
	local key build old
	key=$(hash_inputs "$TOP/include" "$TOP/drivers" "$TOP/Kbuild")
	build="$IDXD_SIOV_CACHE/modules/$key"
	mkdir -p "$build"
	touch "$build"	# most recently used first, for the pruning below
	find "$IDXD_SIOV_CACHE/modules" -mindepth 1 -maxdepth 1 -type d \
		-printf '%T@ %p\n' | sort -rn | tail -n +5 | cut -d' ' -f2- |
		while read -r old; do rm -rf "$old"; done
	# The Makefiles find include/linux/ relative to their own directory.
	sync_tree "$TOP/include" "$build/include"
	sync_tree "$TOP/drivers" "$build/drivers"
	cp -p "$TOP/Kbuild" "$build/Kbuild"
	make -s -C "$KBUILD" M="$build" W=1 C=1 modules >&2
	# shellcheck disable=SC2034  # used by the scripts that source this
	PARENT_BUILD=$build
	# shellcheck disable=SC2034
	PARENT_KMOD=$build/drivers/dma/idxd
	# shellcheck disable=SC2034
	IMS_KMOD=$build/drivers/irqchip
}

# build_vdev_clients OUT: the vdev suite's VFIO clients into OUT
build_vdev_clients() {
	mkdir -p "$1"
	gcc -O2 -Wall -Werror -I"$KSRC/tools/testing/selftests" \
		-o "$1/vdev_test" "$TOP/tests/vdev/vdev_test.c"
	gcc -O2 -Wall -Werror -o "$1/vdev_user" "$TOP/tests/vdev/vdev_user.c"
}
