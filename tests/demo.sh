#!/bin/bash
# make demo: build the bench and show the emulated DSA doing work.
set -euo pipefail
. "$(dirname "$0")/build/common.sh"
"$TOP/tests/build/env.sh" >/dev/null
exec "$TOP/tests/vm/run" --timeout 1200 "$TOP/tests/demo/in-vm.sh"
