#!/usr/bin/env bash
# Builds (once) the Debian bookworm chroot the real-run test uses: minbase plus chrony, with the
# sources an EC2 Debian 12 instance has (main and the security archive), from the mirror this
# machine's apt already uses. Reused when present: delete the directory to rebuild it.
# Usage: test/userdata/chroot-build.sh [DIR]   (default .cache/chroot-bookworm; needs root)
#        test/userdata/chroot-build.sh --print-mirrors   (the two mirror URLs it would use)
set -euo pipefail
cd "$(dirname "$0")/../.."

# The machine's own Debian mirror (deb822 or one-line sources), else Debian's CDN.
mirror_from_apt() {
  local uri
  uri=$(grep -hsE '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -E '/debian/?( |$)' | grep -v security | head -n 1 |
    sed -E 's/^URIs:[[:space:]]*//; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//; s/[[:space:]].*$//') || true
  echo "${uri:-http://deb.debian.org/debian}"
}
mirror="${ASG_PATCHER_DEBIAN_MIRROR:-$(mirror_from_apt)}"
mirror="${mirror%/}"
security="${ASG_PATCHER_DEBIAN_SECURITY_MIRROR:-${mirror%/debian}/debian-security}"
if [[ ${1:-} == --print-mirrors ]]; then
  printf '%s\n%s\n' "$mirror" "$security"
  exit 0
fi

dir="${1:-.cache/chroot-bookworm}"
mkdir -p "$(dirname "$dir")"
# One builder at a time (two test runs may start together).
exec 9>"$dir.lock"
flock 9
if [[ -f "$dir/.asg-patcher-chroot-ready" ]]; then
  echo "chroot ready: $dir ($(cat "$dir/.asg-patcher-chroot-ready"))"
  exit 0
fi

rm -rf "$dir.tmp"
start=$(date +%s)
debootstrap --variant=minbase --include=chrony bookworm "$dir.tmp" "$mirror"
# What a Debian 12 EC2 instance lists (deb822, as Debian's cloud images ship it).
rm -f "$dir.tmp/etc/apt/sources.list"
cat >"$dir.tmp/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
chroot "$dir.tmp" apt-get clean
echo "built in $(($(date +%s) - start))s" >"$dir.tmp/.asg-patcher-chroot-ready"
mv "$dir.tmp" "$dir"
echo "chroot ready: $dir ($(cat "$dir/.asg-patcher-chroot-ready"))"
