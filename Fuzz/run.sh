#!/bin/sh
# make fuzz: build the libFuzzer driver and run each target for a bounded
# time (FUZZ_SECONDS, default 60) from its committed seed corpus. Crash,
# timeout and out-of-memory inputs are copied to Tests/FuzzRegressions/<target>/
# so that `make test` replays them from then on.
set -eu
cd "$(dirname "$0")/.."
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${FUZZ_TARGETS:-}
FUZZER_RT=$(ls /opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | head -n1 || true)
if [ -z "$FUZZER_RT" ]; then
    FUZZER_RT=$(dirname "$(command -v swiftc)")/../lib/clang
    FUZZER_RT=$(ls "$FUZZER_RT"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -n1)
fi
# -sanitize=fuzzer would link libFuzzer's own main, which clashes with the
# main SwiftPM gives an executable; link the no-main runtime and call
# LLVMFuzzerRunDriver instead, with the same coverage instrumentation.
swift build --package-path Fuzz --scratch-path .build-fuzz -c release \
    -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table \
    -Xlinker "$FUZZER_RT" -Xlinker -lstdc++
BIN=.build-fuzz/release/sstp-fuzz
if [ -z "$TARGETS" ]; then
    TARGETS=$(ls Fuzz/corpus)
fi
status=0
for target in $TARGETS; do
    work=.build-fuzz/corpus/$target
    artifacts=.build-fuzz/artifacts/$target
    mkdir -p "$work" "$artifacts"
    echo "== fuzzing $target for ${SECONDS_EACH}s"
    if ! SSTP_FUZZ_TARGET=$target "$BIN" -max_total_time="$SECONDS_EACH" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "$work" "Fuzz/corpus/$target" >".build-fuzz/$target.log" 2>&1; then
        status=1
        echo "   $target: libFuzzer found a failing input; see .build-fuzz/$target.log"
    fi
    tail -n 12 ".build-fuzz/$target.log" | grep -E 'stat::number_of_executed_units|Done|ERROR' || true
    found=$(ls "$artifacts" 2>/dev/null | wc -l)
    if [ "$found" -gt 0 ]; then
        mkdir -p "Tests/FuzzRegressions/$target"
        cp "$artifacts"/* "Tests/FuzzRegressions/$target/"
        echo "   kept $found input(s) in Tests/FuzzRegressions/$target/ (commit them)"
        status=1
    fi
done
exit $status
