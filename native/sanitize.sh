#!/usr/bin/env bash
# Memory-safety check of the native backend: builds native/*.c once with
# AddressSanitizer + UndefinedBehaviorSanitizer into a separate cffi module
# (_fastact_native_asan, in a temporary directory), then runs the native tests
# (tests/test_native.py: every kernel, layouts, row-wise) against that build.
# Any sanitizer report aborts the process, so the script fails.
#
#   bash native/sanitize.sh [pytest args...]
#
# Needs: the venv with fastact installed (pip install -e '.[test]' or .), gcc
# (or CC=clang) with the sanitizer runtimes (libasan, libubsan).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
py=${PYTHON:-python}
cc=${CC:-gcc}
out=$(mktemp -d "${TMPDIR:-/tmp}/fastact-asan.XXXXXX")
trap 'rm -rf "$out"' EXIT

echo "sanitize: building the C sources with -fsanitize=address,undefined into $out"
CC="$cc" "$py" "$here/build_native.py" --sanitize --name _fastact_native_asan --outdir "$out" >/dev/null

# Python is not built with ASan: its runtime must be loaded first.
libasan=$("$cc" -print-file-name=libasan.so)
if [ ! -e "$libasan" ]; then
    echo "sanitize: $cc has no libasan.so ($libasan)" >&2
    exit 2
fi
export LD_PRELOAD="$libasan${LD_PRELOAD:+:$LD_PRELOAD}"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export FASTACT_NATIVE_MODULE=_fastact_native_asan
export FASTACT_REQUIRE_NATIVE=1
export PYTHONPATH="$out:$root/tests${PYTHONPATH:+:$PYTHONPATH}"

"$py" - <<'PY'
from fastact.backends import native
info = native.info()
assert native.available() and '"sanitize": true' in info, info
print("sanitize: loaded", info)
PY
cd "$root"
"$py" -m pytest -q -p no:cacheprovider tests/test_native.py "$@"
