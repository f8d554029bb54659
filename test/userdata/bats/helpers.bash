# Shared by the patch-script bats tests: a fake root per distro (ASG_PATCHER_ROOT), and a PATH of
# stub executables that record their arguments instead of touching the machine.
#
# The rendered scripts come from ASG_PATCHER_RENDERED_DIR (set by test/userdata/patch-script-bats.test.ts)
# or are rendered here with renderPatchScript when bats runs on its own.

REPO_ROOT="$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)"

# Commands the script may run; each test gets a recording stub for every one of them, so a wrong
# branch shows up in calls.log instead of running the machine's real apt-get or systemctl.
DEFAULT_STUBS=(apt-get dnf yum zypper systemctl logger needs-restarting reboot shutdown poweroff halt init telinit kexec)

render_scripts() {
  if [[ -z ${ASG_PATCHER_RENDERED_DIR:-} ]]; then
    ASG_PATCHER_RENDERED_DIR="$BATS_FILE_TMPDIR/rendered"
    mkdir -p "$ASG_PATCHER_RENDERED_DIR"
    (cd "$REPO_ROOT" && npx tsx test/userdata/bats/render.ts "$ASG_PATCHER_RENDERED_DIR")
  fi
  export ASG_PATCHER_RENDERED_DIR
}

setup_sandbox() {
  ROOT="$BATS_TEST_TMPDIR/root"
  STUBS="$BATS_TEST_TMPDIR/stubs"
  STUB_STATE="$BATS_TEST_TMPDIR/stub-state"
  CALLS="$BATS_TEST_TMPDIR/calls.log"
  mkdir -p "$ROOT" "$STUBS" "$STUB_STATE"
  : >"$CALLS"
  local name
  for name in "${DEFAULT_STUBS[@]}"; do stub "$name"; done
  export ROOT STUBS STUB_STATE CALLS
}

# stub NAME: an executable that appends "NAME ARGS" to calls.log, saves the environment the
# script set for it, runs STUB_STATE/NAME.hook if present, and exits with the next code of
# STUB_STATE/NAME.codes (one a line; 0 once they run out).
stub() {
  local name=$1
  cat >"$STUBS/$name" <<'STUB'
#!/bin/bash
name=$(basename "$0")
printf '%s\n' "$name $*" >>"$CALLS"
{
  printf 'DEBIAN_FRONTEND=%s\n' "${DEBIAN_FRONTEND:-}"
  printf 'APT_CONFIG=%s\n' "${APT_CONFIG:-}"
  printf 'ZYPP_LOCK_TIMEOUT=%s\n' "${ZYPP_LOCK_TIMEOUT:-}"
} >"$STUB_STATE/$name.env"
if [[ -f "$STUB_STATE/$name.hook" ]]; then
  # shellcheck disable=SC1090
  source "$STUB_STATE/$name.hook"
fi
code=0
codes="$STUB_STATE/$name.codes"
if [[ -s $codes ]]; then
  code=$(head -n 1 "$codes")
  tail -n +2 "$codes" >"$codes.rest"
  mv "$codes.rest" "$codes"
fi
exit "$code"
STUB
  chmod +x "$STUBS/$name"
}

unstub() {
  rm -f "$STUBS/$1"
}

# exit_codes NAME CODE...: the codes NAME's next calls exit with.
exit_codes() {
  local name=$1
  shift
  printf '%s\n' "$@" >"$STUB_STATE/$name.codes"
}

# hook NAME 'bash code': runs inside NAME's stub ("$@" are its arguments).
hook() {
  printf '%s\n' "$2" >"$STUB_STATE/$1.hook"
}

write() {
  mkdir -p "$(dirname "$ROOT$1")"
  cat >"$ROOT$1"
}

# run_patch [UPDATES [TIME_SYNC]]: runs the rendered script against the fake root and stubs.
run_patch() {
  local updates=${1:-security} time_sync=${2:-true}
  run env -i PATH="$STUBS:/usr/bin:/bin" HOME="$BATS_TEST_TMPDIR" TMPDIR="$BATS_TEST_TMPDIR" \
    CALLS="$CALLS" STUB_STATE="$STUB_STATE" ASG_PATCHER_ROOT="$ROOT" \
    /bin/bash "$ASG_PATCHER_RENDERED_DIR/patch-$updates-$time_sync.sh"
}

# --- assertions (bats-assert is not packaged in Debian 12: small ones here) ---------------------

fail_with() {
  printf '%s\n' "$@" >&2
  printf -- '--- script output:\n%s\n--- calls:\n%s\n' "${output:-}" "$(cat "$CALLS")" >&2
  return 1
}

assert_status() {
  [[ $status -eq $1 ]] || fail_with "expected exit status $1, got $status"
}

# assert_called 'exact command line'
assert_called() {
  grep -Fxq -- "$1" "$CALLS" || fail_with "expected call: $1"
}

assert_not_called_like() {
  if grep -Eq -- "$1" "$CALLS"; then fail_with "unexpected call matching: $1"; fi
}

calls_of() {
  grep -E "^$1( |$)" "$CALLS" || true
}

assert_call_count() {
  local count
  count=$(calls_of "$1" | wc -l)
  [[ $count -eq $2 ]] || fail_with "expected $2 call(s) of $1, got $count"
}

assert_file_equals() {
  local actual
  actual=$(cat "$ROOT$1" 2>/dev/null) || fail_with "missing file $1"
  [[ $actual == "$2" ]] || fail_with "$1 is:" "$actual" "expected:" "$2"
}

assert_no_file() {
  [[ ! -e "$ROOT$1" ]] || fail_with "unexpected file $1"
}

assert_log_contains() {
  grep -Fq -- "$1" "$ROOT/var/log/asg-patcher.log" || fail_with "log lacks: $1" "log:" "$(cat "$ROOT/var/log/asg-patcher.log" 2>/dev/null)"
}

assert_status_file() {
  grep -Fxq -- "$1" "$ROOT/var/lib/asg-patcher/status" ||
    fail_with "status file lacks: $1" "status:" "$(cat "$ROOT/var/lib/asg-patcher/status" 2>/dev/null)"
}

# No test may ever see a reboot, shutdown or kexec.
assert_never_rebooted() {
  assert_not_called_like '^((reboot|shutdown|poweroff|halt|init|telinit|kexec)( |$)|systemctl .*(reboot|poweroff|halt|kexec|rescue|emergency))'
}

hash_tree() {
  (cd "$ROOT" && find etc -type f -print0 | sort -z | xargs -0 sha256sum)
}

# snapshot_etc, then assert_etc_unchanged [WHEN]: no file under the fake root's /etc changed between.
snapshot_etc() {
  ETC_BEFORE=$(hash_tree)
}

assert_etc_unchanged() {
  [[ $(hash_tree) == "$ETC_BEFORE" ]] || fail_with "files under /etc changed${1:+ $1}"
}

# --- fake roots ----------------------------------------------------------------------------------

os_release() {
  write /etc/os-release
}

systemd_running() {
  mkdir -p "$ROOT/run/systemd/system"
}

CHRONY_AMAZON='server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4'
DROPIN_COMMENT='# Managed by asg-patcher: the Amazon Time Sync Service, reachable from every EC2 instance.'

# Amazon Linux 2: yum, chrony at /etc/chrony.conf with no drop-in directory. (AL2 AMIs already
# list 169.254.169.123; this one was customised to a pool, so the script has to add it.)
root_al2() {
  os_release <<'OS'
NAME="Amazon Linux"
VERSION="2"
ID="amzn"
ID_LIKE="centos rhel fedora"
VERSION_ID="2"
PRETTY_NAME="Amazon Linux 2"
OS
  write /etc/chrony.conf <<'CONF'
# customised: a pool only
pool 2.amazon.pool.ntp.org iburst
driftfile /var/lib/chrony/drift
makestep 1.0 3
rtcsync
CONF
  systemd_running
}

# Amazon Linux 2023: dnf with versioned repositories, chrony sources in /etc/chrony.d.
root_al2023() {
  os_release <<'OS'
NAME="Amazon Linux"
VERSION="2023"
ID="amzn"
ID_LIKE="fedora"
VERSION_ID="2023"
PLATFORM_ID="platform:al2023"
PRETTY_NAME="Amazon Linux 2023.6.20250107"
OS
  write /etc/chrony.conf <<'CONF'
sourcedir /run/chrony.d
sourcedir /etc/chrony.d
driftfile /var/lib/chrony/drift
makestep 1.0 3
rtcsync
CONF
  write /etc/chrony.d/ntp-pool.sources <<<'pool time.aws.com iburst'
  systemd_running
}

# RHEL 9: dnf, chrony at /etc/chrony.conf including /etc/chrony.d/*.conf.
root_rhel9() {
  os_release <<'OS'
NAME="Red Hat Enterprise Linux"
VERSION="9.4 (Plow)"
ID="rhel"
ID_LIKE="fedora"
VERSION_ID="9.4"
PRETTY_NAME="Red Hat Enterprise Linux 9.4 (Plow)"
OS
  write /etc/chrony.conf <<'CONF'
# Use public servers from the pool.ntp.org project.
pool 2.rhel.pool.ntp.org iburst
sourcedir /run/chrony-dhcp
driftfile /var/lib/chrony/drift
makestep 1.0 3
rtcsync
keyfile /etc/chrony.keys
include /etc/chrony.d/*.conf
leapsectz right/UTC
logdir /var/log/chrony
CONF
  mkdir -p "$ROOT/etc/chrony.d"
  systemd_running
}

debian_chrony_conf() {
  write /etc/chrony/chrony.conf <<'CONF'
# Welcome to the chrony configuration file. See chrony.conf(5) for more
confdir /etc/chrony/conf.d
pool 2.debian.pool.ntp.org iburst
sourcedir /run/chrony-dhcp
sourcedir /etc/chrony/sources.d
keyfile /etc/chrony/chrony.keys
driftfile /var/lib/chrony/chrony.drift
makestep 1 3
leapsectz right/UTC
CONF
  mkdir -p "$ROOT/etc/chrony/sources.d" "$ROOT/etc/chrony/conf.d"
}

# Ubuntu 22.04: apt with one-line sources, unattended-upgrades installed, chrony.
root_ubuntu2204() {
  os_release <<'OS'
PRETTY_NAME="Ubuntu 22.04.5 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
OS
  write /etc/apt/sources.list <<'LIST'
deb http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ jammy main restricted
deb http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ jammy-updates main restricted
# deb-src http://us-east-1.ec2.archive.ubuntu.com/ubuntu/ jammy-security main
deb http://security.ubuntu.com/ubuntu jammy-security main restricted
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://security.ubuntu.com/ubuntu jammy-security universe
LIST
  debian_chrony_conf
  stub unattended-upgrade
  systemd_running
}

# Ubuntu 24.04: deb822 sources, unattended-upgrades, systemd-timesyncd (no chrony).
root_ubuntu2404() {
  os_release <<'OS'
PRETTY_NAME="Ubuntu 24.04.1 LTS"
NAME="Ubuntu"
VERSION_ID="24.04"
VERSION_CODENAME=noble
ID=ubuntu
ID_LIKE=debian
OS
  write /etc/apt/sources.list.d/ubuntu.sources <<'SOURCES'
## Ubuntu distribution repository
Types: deb
URIs: http://us-east-1.ec2.archive.ubuntu.com/ubuntu/
Suites: noble noble-updates noble-backports
Components: main restricted universe multiverse
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg

## Ubuntu security updates
Types: deb
URIs: http://security.ubuntu.com/ubuntu
Suites: noble-security
Components: main restricted universe multiverse
Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg
SOURCES
  write /etc/systemd/timesyncd.conf <<'CONF'
[Time]
#NTP=
#FallbackNTP=ntp.ubuntu.com
CONF
  write /usr/lib/systemd/systemd-timesyncd <<<''
  stub unattended-upgrade
  systemd_running
}

# Debian 12 as Debian's EC2 images ship it: deb822 sources, chrony, no unattended-upgrades.
root_debian12() {
  os_release <<'OS'
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
OS
  write /etc/apt/sources.list.d/debian.sources <<'SOURCES'
Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian.list
Suites: bookworm bookworm-updates bookworm-backports
Components: main

Types: deb deb-src
URIs: mirror+file:///etc/apt/mirrors/debian-security.list
Suites: bookworm-security
Components: main
SOURCES
  debian_chrony_conf
  systemd_running
}

# SUSE Linux Enterprise Server 15: zypper, chrony including /etc/chrony.d/*.conf.
root_suse15() {
  os_release <<'OS'
NAME="SLES"
VERSION="15-SP6"
VERSION_ID="15.6"
PRETTY_NAME="SUSE Linux Enterprise Server 15 SP6"
ID="sles"
ID_LIKE="suse"
OS
  write /etc/chrony.conf <<'CONF'
# Use public servers from the pool.ntp.org project.
! pool pool.ntp.org iburst
pool suse.pool.ntp.org iburst
include /etc/chrony.d/*.conf
driftfile /var/lib/chrony/drift
makestep 1.0 3
rtcsync
CONF
  mkdir -p "$ROOT/etc/chrony.d"
  systemd_running
}
