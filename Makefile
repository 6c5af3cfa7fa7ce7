# idxd-siov: top-level entry points. See README.md.
SUITE ?=

.PHONY: all deps build check bench demo clean-cache
all: check

deps:
	tests/build/deps.sh

# our QEMU (with the DSA model) and our kernel, into $(IDXD_SIOV_CACHE)
build:
	tests/build/env.sh

# every suite, or one: make check SUITE=model|runner|peer
check:
	tests/check.sh $(SUITE)

# every benchmark, or one: make bench SUITE=host (figures, no pass/fail count);
# guest (nested VMs, tens of minutes) runs on request only
BENCH_SUITES := host vdev
BENCH_KNOWN := $(BENCH_SUITES) guest
bench:
	@for s in $(or $(SUITE),$(BENCH_SUITES)); do \
		case " $(BENCH_KNOWN) " in *" $$s "*) ;; \
		*) echo "bench: unknown suite '$$s' (have: $(BENCH_KNOWN))" >&2; exit 2 ;; esac; \
	done
	@for s in $(or $(SUITE),$(BENCH_SUITES)); do tests/$$s/bench.sh || exit; done

demo:
	tests/demo.sh

clean-cache:
	rm -rf $${IDXD_SIOV_CACHE:-/var/cache/idxd-siov}
