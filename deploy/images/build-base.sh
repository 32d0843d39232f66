#!/usr/bin/env bash
# The services' base image, assembled from Debian packages without a container engine or registry:
# a JRE 17 runtime (no shell, no package manager) in one layer, written as a `docker save` tarball
# that Jib takes as `tar://` base (Jib reads docker-save tarballs, not OCI layouts).
#
#   deploy/images/build-base.sh [OUTPUT.tar]      (default: target/images/distill-base.tar)
#
# `mvn -Pimages package` runs it first; it does nothing while OUTPUT is newer than this script and
# the packages' candidate versions are those OUTPUT was built from. Needs apt-get (Debian 12 lists),
# dpkg-deb, GNU tar and sha256sum; runs as root or not (the layer's owners are set by tar).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../target/images/distill-base.tar}
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

# What the JVM, ONNX Runtime's and PyTorch's natives link (ld.so --list of each, checked in the
# image by ServiceImagesTest): glibc, libgcc, libstdc++, zlib. openjdk-17-jre-headless' other
# dependencies serve AWT fonts, JPEG, sound, colour profiles, smart cards and NSS, which no service
# loads; its cacerts comes from ca-certificates-java's install script (none here: the services
# trust the Kafka cluster CA they are given, DISTILL/KAFKA_SSL_TRUSTSTORE_*).
PACKAGES=(libc6 libgcc-s1 libstdc++6 zlib1g openjdk-17-jre-headless)
# files taken from packages otherwise not installed: the C.UTF-8 locale (so the JVM's default and
# file-name encodings are UTF-8, not ASCII) and the os-release that image scanners read
EXTRA=(libc-bin:./usr/lib/locale/C.utf8 base-files:./usr/lib/os-release base-files:./etc/os-release)
JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64
DISTILL_UID=10001
# every file's time in the layer, as Jib stamps the application layers (reproducible bytes)
EPOCH=1

candidates() {
  for p in "${PACKAGES[@]}" libc-bin base-files; do
    printf '%s=%s\n' "$p" "$(apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p')"
  done
}

key=$( (candidates; sha256sum "$0") | sha256sum | cut -d' ' -f1)
if [ -f "$out" ] && [ -f "$out.key" ] && [ "$(cat "$out.key")" = "$key" ]; then
  echo "base image up to date: $out"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debs=$work/debs root=$work/root
mkdir -p "$debs" "$root"

download() {
  (cd "$debs" && apt-get -q -o APT::Sandbox::User="$(id -un)" download "${PACKAGES[@]}" libc-bin base-files)
}
# an old package list names versions the mirror no longer has: refresh it once (root only)
if ! download; then
  [ "$(id -u)" = 0 ] || { echo "apt-get download failed; run apt-get update as root" >&2; exit 1; }
  apt-get update -qq
  download
fi

# merged /usr, as Debian 12 installs it: the packages' /lib, /bin, /sbin, /lib64 land under /usr
# (dev, proc, sys: mount points a runtime would otherwise have to create)
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,etc,proc,sys,tmp,var/lib/distill}
for d in bin sbin lib lib64; do ln -s usr/$d "$root/$d"; done
untar() { tar -C "$root" --keep-directory-symlink --no-same-owner --preserve-permissions -xf - "$@"; }

for p in "${PACKAGES[@]}"; do
  dpkg-deb --fsys-tarfile "$debs/${p}"_*.deb | untar --exclude=./usr/share/man --exclude=./usr/share/locale \
    --exclude=./usr/share/lintian --exclude=./usr/share/bug --exclude=./usr/share/gdb --exclude=./usr/lib/debug \
    --exclude="./${JAVA_HOME#/}/man"
done
for e in "${EXTRA[@]}"; do
  dpkg-deb --fsys-tarfile "$debs/${e%%:*}"_*.deb | untar "${e#*:}"
done
# licences stay (copyright files, the JRE's legal/), the rest of the documentation goes
find "$root/usr/share/doc" -type f ! -name copyright -delete
find "$root/usr/share/doc" -type d -empty -delete
# ct.sym serves javac only; gconv is glibc's iconv, which nothing here calls; the CDS archive
# without compressed oops serves heaps over 32 GB only (the services run with a few GB)
rm -f "$root/$JAVA_HOME/lib/ct.sym" "$root/$JAVA_HOME/lib/server/classes_nocoops.jsa"
rm -rf "$root/usr/lib/x86_64-linux-gnu/gconv"
# ca-certificates-java would create it; dangling here, the JVM starts with an empty default trust store
rm -f "$root/$JAVA_HOME/lib/security/cacerts"
# what update-alternatives would link at install time
ln -s "../lib/jvm/java-17-openjdk-amd64/bin/java" "$root/usr/bin/java"

cat > "$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
distill:x:$DISTILL_UID:$DISTILL_UID:distill:/var/lib/distill:/usr/sbin/nologin
EOF
cat > "$root/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
distill:x:$DISTILL_UID:
EOF
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
# what each package is, for image scanners (the distroless convention: one status file a package)
mkdir -p "$root/var/lib/dpkg/status.d"
for p in "${PACKAGES[@]}"; do
  dpkg-deb -f "$debs/${p}"_*.deb > "$root/var/lib/dpkg/status.d/$p"
done
chmod 1777 "$root/tmp"
chmod 0755 "$root/var/lib/distill"

# one layer: sorted, every owner root but the data home's, one time stamp
layer=$work/layer.tar
common=(--sort=name --format=gnu --mtime=@$EPOCH --numeric-owner)
(cd "$root" && tar -cf "$layer" "${common[@]}" --owner=0 --group=0 --exclude=var/lib/distill \
  bin dev etc lib lib64 proc sbin sys tmp usr var)
(cd "$root" && tar -rf "$layer" "${common[@]}" --owner=$DISTILL_UID --group=$DISTILL_UID var/lib/distill)

versions=$(for p in "${PACKAGES[@]}"; do dpkg-deb -W --showformat='${Package}=${Version} ' "$debs/${p}"_*.deb; done)
versions=${versions% }
diff_id=$(sha256sum "$layer" | cut -d' ' -f1)
created=$(date -u -d @$EPOCH +%Y-%m-%dT%H:%M:%SZ)
# the image config (docker save's format): environment and labels pass on to the Jib images
cat > "$work/config.json" <<EOF
{"architecture":"amd64","os":"linux","created":"$created",
 "config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=$JAVA_HOME","LANG=C.UTF-8"],
  "Labels":{"dev.distill.base.packages":"$versions"}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created":"$created","created_by":"deploy/images/build-base.sh: $versions"}]}
EOF
config_id=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mkdir -p "$work/image/$diff_id"
mv "$layer" "$work/image/$diff_id/layer.tar"
mv "$work/config.json" "$work/image/$config_id.json"
printf '[{"Config":"%s.json","RepoTags":["distill.local/base:17"],"Layers":["%s/layer.tar"]}]\n' \
  "$config_id" "$diff_id" > "$work/image/manifest.json"
(cd "$work/image" && tar -cf "$out.tmp" --sort=name --format=gnu --mtime=@$EPOCH --owner=0 --group=0 --numeric-owner \
  manifest.json "$config_id.json" "$diff_id")
mv "$out.tmp" "$out"
echo "$key" > "$out.key"
echo "base image: $out ($(du -m "$out" | cut -f1) MB; $versions)"
