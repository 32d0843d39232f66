#!/usr/bin/env bash
# The GPU acceptance check, one command on a GPU host. Builds distill's CUDA flavour if needed
# (mvn -Pcuda, through ./distill), then runs `distill gpu-check`: the trainer's and the scorer's own
# code on the GPU, asserted to run there (parameters and gradients on gpu(0), every ONNX node on
# CUDA), then the same on the CPU, with samples/s of both. Exit 0 when all of it holds; otherwise 1
# and one line saying why.
#   deploy/gpu-check.sh [--steps N] [--rounds R] [--batch B] [--score-batch B]
# Without a GPU listed by nvidia-smi it stops before building (the CUDA build downloads 2.7 GB);
# DISTILL_CUDA=1 builds and checks anyway (a container that sees the device but has no nvidia-smi).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ -z "${DISTILL_CUDA:-}" ]; then
  if ! command -v nvidia-smi > /dev/null; then
    echo "gpu-check: no GPU: nvidia-smi is not installed (no NVIDIA driver here); DISTILL_CUDA=1 checks anyway" >&2
    exit 1
  fi
  if ! nvidia-smi -L 2> /dev/null | grep -q '^GPU '; then
    echo "gpu-check: no GPU: nvidia-smi -L lists none; DISTILL_CUDA=1 checks anyway" >&2
    exit 1
  fi
fi
DISTILL_CUDA="${DISTILL_CUDA:-1}" exec "$ROOT/distill" gpu-check "$@"
