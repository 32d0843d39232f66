#!/usr/bin/env bash
# What a machine needs for distill, measured: the demo's peak resident memory (every java process
# running distill.jar, summed, sampled once a second), the Maven repository a build needs from
# scratch, and what ~/.distill holds. Writes $DISTILL_HOME/reports/footprint.txt and prints it.
#   tools/footprint.sh            # about 4 minutes here: a full demo and a build into an empty repository
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DISTILL_HOME="${DISTILL_HOME:-$HOME/.distill}"
mkdir -p "$DISTILL_HOME/reports"
out="$DISTILL_HOME/reports/footprint.txt"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$ROOT/distill" --help > /dev/null # build first, so the build is not sampled
"$ROOT/distill" demo --report "$work/demo" > "$work/demo.log" 2>&1 &
demo=$!
peak=0
while kill -0 "$demo" 2> /dev/null; do
  kb=$(ps -eo rss=,args= | awk '/[j]ava .*distill\.jar/ {t += $1} END {print t + 0}')
  [ "$kb" -gt "$peak" ] && peak=$kb
  sleep 1
done
wait "$demo"

mvn -B -q -DskipTests package -f "$ROOT/pom.xml" -Dmaven.repo.local="$work/m2" > "$work/build.log" 2>&1
mb() { du -sm "$1" 2> /dev/null | cut -f1; }
{
  echo "measured $(date -u +%FT%TZ) on $(nproc) cores, commit $(git -C "$ROOT" rev-parse --short HEAD)"
  echo "demo peak resident memory, all distill java processes: $((peak / 1024)) MB"
  echo "Maven repository for mvn -DskipTests package from empty: $(mb "$work/m2") MB"
  echo "PyTorch natives ($DISTILL_HOME/djl): $(mb "$DISTILL_HOME/djl") MB"
  echo "data sets ($DISTILL_HOME/data): $(mb "$DISTILL_HOME/data") MB"
  echo "teachers ($DISTILL_HOME/teachers): $(mb "$DISTILL_HOME/teachers") MB"
} | tee "$out"
