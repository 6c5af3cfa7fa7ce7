# idxd-siov: top-level entry points. See README.md.
SUITE ?=

.PHONY: all deps build check demo clean-cache
all: check

deps:
	tests/build/deps.sh

# our QEMU (with the DSA model) and our kernel, into $(IDXD_SIOV_CACHE)
build:
	tests/build/env.sh

# every suite, or one: make check SUITE=model|runner|peer
check:
	tests/check.sh $(SUITE)

demo:
	tests/demo.sh

clean-cache:
	rm -rf $${IDXD_SIOV_CACHE:-/var/cache/idxd-siov}
