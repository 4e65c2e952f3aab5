#!/usr/bin/env bash
# Refreshes the main crate's regression corpus, tests/fuzz_corpus/{scenario,catalog}/min-*.toml,
# from the fuzz corpora: the *_edit inputs turned into TOML, merged down by
# libFuzzer to the inputs that cover the text targets' edges, then one small
# input kept per kind of answer (examples/distinct.rs). Reproducers (crash-*,
# oom-*, ...) are kept.
set -euo pipefail
cd "$(dirname "$0")"
for kind in scenario catalog; do
    text=$(mktemp -d) merged=$(mktemp -d)
    find corpus/"$kind" -type f -size -4k -exec cp {} "$text"/ \;
    find corpus/"$kind"_edit -type f -print0 | xargs -0 -r cargo run -q --example show -- "$kind"_edit --into "$text"
    cargo +nightly fuzz run -s none "$kind" "$merged" "$text" -- \
        -set_cover_merge=1 -use_counters=0 -rss_limit_mb=2048 -timeout=10 2>/dev/null
    dest=../tests/fuzz_corpus/$kind
    rm -f "$dest"/min-*
    find "$merged" -type f -print0 | xargs -0 cargo run -q --example distinct -- "$kind" "$dest"
    echo "$kind: $(ls "$dest" | wc -l) files"
    rm -rf "$text" "$merged"
done
