#!/usr/bin/env bash
# Refreshes the main crate's regression corpus, tests/fuzz_corpus/{scenario,catalog}/,
# from the fuzz corpora: the *_edit inputs turned into TOML, the whole merged
# down (libFuzzer -merge=1) to the files the text targets need for their coverage.
# Reproducers (crash-*, oom-*, timeout-*, slow-*) are kept; min-* files are replaced.
set -euo pipefail
cd "$(dirname "$0")"
for kind in scenario catalog; do
    text=$(mktemp -d) merged=$(mktemp -d)
    cp corpus/"$kind"/* "$text"/
    find corpus/"$kind"_edit -type f -print0 | xargs -0 -r cargo run -q --example show -- "$kind"_edit --into "$text"
    cargo +nightly fuzz run -s none "$kind" "$merged" "$text" -- -merge=1 -rss_limit_mb=2048 -timeout=10 2>/dev/null
    dest=../tests/fuzz_corpus/$kind
    rm -f "$dest"/min-*
    for f in "$merged"/*; do cp "$f" "$dest/min-$(sha1sum "$f" | cut -c1-12).toml"; done
    echo "$kind: $(ls "$merged" | wc -l) files"
    rm -rf "$text" "$merged"
done
