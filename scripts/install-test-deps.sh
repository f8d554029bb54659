#!/usr/bin/env bash
# Debian packages the tests use: shellcheck and bats for the patch script, cloud-init's own parser
# (unpacked, not installed: we only need its Python modules) with the python3 modules it imports,
# and debootstrap for the real run in a Debian chroot. Idempotent; needs root (CI runs as root).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  shellcheck bats debootstrap python3 python3-yaml python3-jinja2 python3-requests python3-jsonschema \
  python3-configobj python3-jsonpatch >/dev/null

# cloud-init's own user-data parser (test/userdata/cloud-init.test.ts): the Debian package unpacked
# into .cache/cloud-init (never installed, so no services are enabled); skipped when already there.
if [ ! -f .cache/cloud-init/usr/lib/python3/dist-packages/cloudinit/user_data.py ]; then
  mkdir -p .cache/cloud-init/deb
  (cd .cache/cloud-init/deb && apt-get download -qq cloud-init)
  dpkg -x .cache/cloud-init/deb/cloud-init_*.deb .cache/cloud-init
fi

# The Debian bookworm chroot the patch script's real-run test uses (debootstrap minbase + chrony,
# about 30 s; cached in .cache/chroot-bookworm). Offline, the test skips itself with the reason,
# so a failed build here does not stop CI.
bash test/userdata/chroot-build.sh .cache/chroot-bookworm >/dev/null ||
  echo "install-test-deps: Debian chroot not built (mirror unreachable?); test/userdata/chroot.test.ts will say why" >&2
