#!/usr/bin/env bash
# The size of each service's image, from the tars `mvn -Pimages package` wrote, into a report file:
#   deploy/images/sizes.sh [REPORT]      (default: deploy/target/image-sizes.txt)
# compressed: the layers as a registry stores them and a node pulls them (gzip);
# unpacked: the files the layers hold, as a node's disk holds them. MB = 10^6 bytes.
# The first layer is the base (deploy/images/build-base.sh), shared by all three images: a node
# pulls and stores it once.
set -euo pipefail
cd "$(dirname "$0")/../.."
report=${1:-deploy/target/image-sizes.txt}
mkdir -p "$(dirname "$report")"

mb() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1e6 }'; }
# the summed sizes of the files in a gzipped layer
files() { gzip -dc "$1" | tar -tvf - 2>/dev/null | awk '{ s += $3 } END { printf "%d", s }'; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
{
  echo "# image sizes (deploy/images/sizes.sh; MB = 10^6 bytes): compressed = layers as pulled, unpacked = files on disk"
  printf '%-40s %12s %10s   %s\n' image compressed unpacked "base layer + service layers (compressed/unpacked)"
  for m in teacher-scorer student-trainer edge-publisher; do
    tar_file=$m/target/$m-image.tar
    [ -f "$tar_file" ] || { echo "no $tar_file: build the images first (mvn -B -Pimages -DskipTests package)" >&2; exit 1; }
    rm -rf "${work:?}"/* && tar -xf "$tar_file" -C "$work"
    tag=$(sed -n 's/.*"RepoTags":\["\([^"]*\)".*/\1/p' "$work/manifest.json")
    layers=$(sed -n 's/.*"Layers":\[\(.*\)\]}\].*/\1/p' "$work/manifest.json" | tr -d '"' | tr ',' ' ')
    comp=0 unpacked=0 base_comp=0 base_unpacked=0 first=1
    for l in $layers; do
      c=$(stat -c %s "$work/$l") u=$(files "$work/$l")
      comp=$((comp + c)) unpacked=$((unpacked + u))
      if [ $first = 1 ]; then base_comp=$c base_unpacked=$u first=0; fi
    done
    printf '%-40s %9s MB %7s MB   %s/%s MB + %s/%s MB\n' "$tag" "$(mb $comp)" "$(mb $unpacked)" \
      "$(mb $base_comp)" "$(mb $base_unpacked)" "$(mb $((comp - base_comp)))" "$(mb $((unpacked - base_unpacked)))"
  done
} > "$report"
cat "$report"
