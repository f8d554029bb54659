#!/usr/bin/env bash
# Debian packages the tests use: shellcheck and bats for the patch script, cloud-init's own parser
# (unpacked, not installed: we only need its Python modules) with the python3 modules it imports,
# and debootstrap for the real run in a Debian chroot. Idempotent: with everything in place it
# changes nothing and needs no root. `npm run test:all` runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(shellcheck bats debootstrap python3 python3-yaml python3-jinja2 python3-requests python3-jsonschema
  python3-configobj python3-jsonpatch)
CLOUD_INIT=.cache/cloud-init/usr/lib/python3/dist-packages/cloudinit/user_data.py

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done

if [ "${#missing[@]}" -gt 0 ] || [ ! -f "$CLOUD_INIT" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-test-deps: needs root to install the Debian packages the tests use. Run:" >&2
    echo "  sudo bash scripts/install-test-deps.sh" >&2
    echo "(it runs: apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}," >&2
    echo " then unpacks the cloud-init package into .cache/cloud-init), then npm run test:all again." >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # cloud-init's own user-data parser (test/userdata/cloud-init.test.ts): the Debian package unpacked
  # into .cache/cloud-init (never installed, so no services are enabled). `apt-get download` writes
  # as the _apt user when it can, so download into a directory it may write to.
  if [ ! -f "$CLOUD_INIT" ]; then
    download=$(mktemp -d)
    chmod 0777 "$download"
    (cd "$download" && apt-get download -qq cloud-init)
    mkdir -p .cache/cloud-init
    dpkg -x "$download"/cloud-init_*.deb .cache/cloud-init
    rm -rf "$download"
  fi
fi

# The Debian bookworm chroot the patch script's real-run test uses (debootstrap minbase + chrony,
# about 30 s the first time; cached in .cache/chroot-bookworm). Offline, the test skips itself with
# the reason, so a failed build here does not stop the tests.
if [ ! -f .cache/chroot-bookworm/.asg-patcher-chroot-ready ]; then
  if [ "$(id -u)" -eq 0 ]; then
    bash test/userdata/chroot-build.sh .cache/chroot-bookworm >/dev/null ||
      echo "install-test-deps: Debian chroot not built (mirror unreachable?); test/userdata/chroot.test.ts will say why" >&2
  else
    echo "install-test-deps: no Debian chroot (building it needs root: sudo bash scripts/install-test-deps.sh); test/userdata/chroot.test.ts will say why" >&2
  fi
fi
