#!/usr/bin/env bash
# bench-image.sh: how fast skiff unpacks an image, against umoci on the same
# disk in the same run.
#
# Builds a ~100 MB, 5-layer image with umoci (files of random hex text:
# random, but compressible like real binaries and text), imports it into a
# temporary skiff store, then unpacks it ROUNDS times with `skiff image
# unpack` and `umoci unpack`, alternating which goes first, and prints the
# median of the per-round ratios skiff/umoci (lower is better; target <= 1.0).
# A plain `tar -xzf` of the layer blobs, one after the other, is the floor.
#
#   scripts/bench-image.sh [ROUNDS]        (SKIFF=path/to/skiff, default bin/skiff)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
SKIFF=${SKIFF:-$PWD/bin/skiff}
for tool in umoci tar "$SKIFF"; do
  command -v "$tool" >/dev/null || { echo "bench-image: $tool not found (make build; apt-get install umoci)"; exit 1; }
done

work=$(mktemp -d /var/tmp/skiff-bench-image.XXXXXX)
trap 'rm -rf "$work"' EXIT
layout=$work/layout data=$work/data

# one layer's worth of files: MB megabytes of hex text split into ~50 kB
# files over a few directories, plus a symlink and a hardlink.
fill() {
  local dir=$1 mb=$2 i
  mkdir -p "$dir"
  head -c $((mb * 1024 * 1024 / 3)) /dev/urandom | od -An -tx1 -v | head -c $((mb * 1024 * 1024)) > "$dir/blob" || true # head ends od early
  (cd "$dir" && split -b 50k -a 4 blob part. && rm blob)
  for i in 0 1 2 3; do mkdir -p "$dir/d$i"; mv "$dir"/part.*$i "$dir/d$i/" 2>/dev/null || true; done
  ln -s d0 "$dir/link"
  ln "$(ls "$dir"/part.* | head -1)" "$dir/hard"
}

echo "== building a 5-layer image (~100 MB) with umoci"
umoci init --layout "$layout"
umoci new --image "$layout:bench"
for n in 1 2 3 4 5; do
  rm -rf "$work/b"
  umoci unpack --image "$layout:bench" "$work/b" >/dev/null
  fill "$work/b/rootfs/layer$n" 20
  umoci repack --image "$layout:bench" "$work/b" >/dev/null
done
rm -rf "$work/b"
"$SKIFF" --data-dir "$data" image import "$layout" bench:latest

now() { date +%s.%N; }
elapsed() { awk -v a="$(now)" -v b="$1" 'BEGIN { print a - b }'; }

t_skiff() { local s; s=$(now); "$SKIFF" --data-dir "$data" image unpack bench "$work/s" >/dev/null; elapsed "$s"; }
t_umoci() { local s; s=$(now); umoci unpack --image "$layout:bench" "$work/u" >/dev/null; elapsed "$s"; }
t_tar() {
  local s blob
  s=$(now); mkdir "$work/t"
  for blob in $("$SKIFF" --data-dir "$data" image inspect bench | grep -A3 '"blob"' | sed -n 's/.*"digest": "sha256:\([0-9a-f]*\)".*/\1/p'); do
    tar -xzf "$data/images/blobs/sha256/$blob" -C "$work/t"
  done
  elapsed "$s"
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

ratios=() ss=() us=() ts=()
for r in $(seq 1 "$ROUNDS"); do
  rm -rf "$work/s" "$work/u" "$work/t"; sync
  if (( r % 2 )); then s=$(t_skiff); u=$(t_umoci); else u=$(t_umoci); s=$(t_skiff); fi
  t=$(t_tar)
  ratio=$(awk -v a="$s" -v b="$u" 'BEGIN { print a / b }')
  printf 'round %d: skiff %.3fs  umoci %.3fs  tar -xzf %.3fs  ratio %.3f\n' "$r" "$s" "$u" "$t" "$ratio"
  ratios+=("$ratio") ss+=("$s") us+=("$u") ts+=("$t")
done
diff -r "$work/s" "$work/u/rootfs" >/dev/null && echo "skiff and umoci trees are identical" || echo "WARNING: skiff and umoci trees differ"
printf 'median: skiff %.3fs  umoci %.3fs  tar -xzf floor %.3fs\n' \
  "$(printf '%s\n' "${ss[@]}" | median)" "$(printf '%s\n' "${us[@]}" | median)" "$(printf '%s\n' "${ts[@]}" | median)"
printf 'skiff/umoci median paired ratio: %.3fx (target <= 1.0)\n' "$(printf '%s\n' "${ratios[@]}" | median)"
