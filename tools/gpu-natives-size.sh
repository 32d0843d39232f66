#!/usr/bin/env bash
# What the CUDA flavour's native libraries weigh, measured from the jars in the local Maven
# repository, for sizing the volumes they are unpacked into: ONNX Runtime's GPU build (the scorer;
# it unpacks into java.io.tmpdir at start and deletes the files once loaded) and PyTorch's CUDA
# natives (the trainer; DJL unpacks them once into its engine cache and keeps them). Also which
# CUDA libraries they link against, and the CPU flavour beside them.
# Writes docs/reports/gpu-natives.txt and prints it.
#   tools/gpu-natives-size.sh     # resolves onnxruntime_gpu (371 MB) if absent; never downloads
#                                 # pytorch-native-cu124 (2.3 GB): measured only where a cuda build put it
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="${MAVEN_REPO:-$HOME/.m2/repository}"
out="$ROOT/docs/reports/gpu-natives.txt"
mkdir -p "$(dirname "$out")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

prop() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -n 1; }
ort="$(prop onnxruntime.version)"
torch="$(prop djl.pytorch.native.version)"
jni="$(prop djl.pytorch.jni.version)"
ort_gpu="$REPO/com/microsoft/onnxruntime/onnxruntime_gpu/$ort/onnxruntime_gpu-$ort.jar"
ort_cpu="$REPO/com/microsoft/onnxruntime/onnxruntime/$ort/onnxruntime-$ort.jar"
cu124="$REPO/ai/djl/pytorch/pytorch-native-cu124/$torch/pytorch-native-cu124-$torch-linux-x86_64.jar"
cpu="$REPO/ai/djl/pytorch/pytorch-native-cpu/$torch/pytorch-native-cpu-$torch-linux-x86_64.jar"
jnijar="$REPO/ai/djl/pytorch/pytorch-jni/$jni/pytorch-jni-$jni.jar"

if [ ! -f "$ort_gpu" ]; then
  mvn -B -q dependency:get -Dartifact="com.microsoft.onnxruntime:onnxruntime_gpu:$ort" > "$work/get.log" 2>&1 \
    || { echo "gpu-natives-size: cannot resolve onnxruntime_gpu $ort; the end of the log:" >&2; tail -n 20 "$work/get.log" >&2; exit 1; }
fi

mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1e6 }'; }
# the uncompressed bytes of the entries matching the patterns (all of them without one): unzip -l's last line
unpacked() { local jar="$1"; shift; unzip -l "$jar" "$@" 2> /dev/null | tail -n 1 | awk '{print $1 + 0}'; }
# one line per native library: unpacked size and path inside the jar
libs() { unzip -l "$1" "$2" | awk '$4 ~ /\.so/ { printf "    %10.1f MB  %s\n", $1 / 1e6, $4 }'; }
needed() { unzip -o -q "$1" "$2" -d "$work" && readelf -d "$work/$2" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -v -E '^(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s)\.so|^ld-linux' | paste -sd ' ' -; }

{
  echo "measured $(date -u +%FT%TZ) by tools/gpu-natives-size.sh, commit $(git -C "$ROOT" rev-parse --short HEAD)"
  echo "sizes: unzip -l <jar> (uncompressed bytes of the entries), jar: stat -c %s; MB = 10^6 bytes"
  echo
  echo "ONNX Runtime GPU build, com.microsoft.onnxruntime:onnxruntime_gpu:$ort (the scorer in the cuda build)"
  echo "  jar: $(mb "$(stat -c %s "$ort_gpu")"); unpacked, all platforms: $(mb "$(unpacked "$ort_gpu")")"
  echo "  linux-x64 natives (unzip -l $(basename "$ort_gpu") 'ai/onnxruntime/native/linux-x64/*'):"
  libs "$ort_gpu" 'ai/onnxruntime/native/linux-x64/*'
  base=$(unpacked "$ort_gpu" ai/onnxruntime/native/linux-x64/libonnxruntime.so ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so ai/onnxruntime/native/linux-x64/libonnxruntime_providers_shared.so)
  cuda=$(unpacked "$ort_gpu" ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so)
  echo "  unpacked into java.io.tmpdir at start: $(mb "$base") always, $(mb $((base + cuda))) once the CUDA provider"
  echo "    is tried (the TensorRT provider only when asked for, never here). ONNX Runtime deletes the files once"
  echo "    loaded: a peak at start, not a lasting use; -Donnxruntime.native.path=<dir> loads pre-unpacked files instead"
  echo "  the CUDA provider links against (readelf -d libonnxruntime_providers_cuda.so, NEEDED, system libraries left out):"
  echo "    $(needed "$ort_gpu" ai/onnxruntime/native/linux-x64/libonnxruntime_providers_cuda.so)"
  echo "    that is CUDA 12.x (cudart, cuBLAS, cuBLASLt, cuFFT, cuRAND) and cuDNN 9, which the jar does not carry: the"
  echo "    host or image provides them on the library path. No linux-aarch64 natives in this jar (the CPU jar has them)."
  echo
  echo "PyTorch CUDA natives, ai.djl.pytorch:pytorch-native-cu124:$torch:linux-x86_64 (the trainer in the cuda build)"
  if [ -f "$cu124" ]; then
    echo "  jar: $(mb "$(stat -c %s "$cu124")"); unpacked (what DJL keeps in its engine cache): $(mb "$(unpacked "$cu124")")"
    libs "$cu124" '*'
  else
    echo "  not in $REPO (a cuda build, mvn -Pcuda package, puts it there); not downloaded for this report (2.3 GB)."
    echo "  No unpacked size found in DJL's documentation; the jar is about 2.3 GB (TOOLCHAIN.md, checked on these"
    echo "  machines), so the unpacked natives take at least that. Run this script again after a cuda build to measure it."
  fi
  echo "  JNI bridge for cu124 (in pytorch-jni-$jni.jar, unpacked beside the natives):"
  libs "$jnijar" 'jnilib/linux-x86_64/cu124/*'
  echo
  echo "The CPU flavour, for comparison"
  echo "  onnxruntime:$ort linux-x64 natives: $(mb "$(unpacked "$ort_cpu" 'ai/onnxruntime/native/linux-x64/*')")"
  if [ -f "$cpu" ]; then
    echo "  pytorch-native-cpu:$torch unpacked: $(mb "$(unpacked "$cpu")")"
  fi
} | tee "$out"
