#!/usr/bin/env bats
# The patch script on Ubuntu 22.04, Ubuntu 24.04 and Debian 12 (apt; chrony as chrony, or
# systemd-timesyncd).

load helpers

setup_file() { render_scripts; }
setup() {
  setup_sandbox
  # Keep what the script hands to apt (its temporary files are gone once it exits).
  hook apt-get 'for arg in "$@"; do
  case $arg in
    Dir::Etc::SourceList=*) cp "${arg#*=}" "$STUB_STATE/security.list" 2>/dev/null || : >"$STUB_STATE/security.list" ;;
    Dir::Etc::SourceParts=*) cat "${arg#*=}"/* >"$STUB_STATE/security.parts" 2>/dev/null || : >"$STUB_STATE/security.parts" ;;
  esac
done'
  hook unattended-upgrade 'cp "$APT_CONFIG" "$STUB_STATE/apt_config"
main=$(sed -E "s/^Dir::Etc::main \"(.*)\";$/\1/" "$APT_CONFIG")
cp "$main" "$STUB_STATE/apt_main.conf"'
}
teardown() { assert_never_rebooted; }

APT_OPTS='-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold'

@test "Ubuntu 22.04: apt-get update with a dpkg lock timeout, then unattended-upgrade restricted to security origins, never rebooting" {
  root_ubuntu2204
  run_patch security true
  assert_status 0
  assert_called 'apt-get -o DPkg::Lock::Timeout=300 update'
  assert_called 'unattended-upgrade -v'
  assert_not_called_like '^apt-get .* upgrade'
  grep -Fxq 'DEBIAN_FRONTEND=noninteractive' "$STUB_STATE/unattended-upgrade.env" || fail_with "DEBIAN_FRONTEND not noninteractive"
  grep -Eq '^Dir::Etc::main ".*/apt-main.conf";$' "$STUB_STATE/apt_config" || fail_with "APT_CONFIG does not point Dir::Etc::main at our file"
  main=$(cat "$STUB_STATE/apt_main.conf")
  for line in '#clear Unattended-Upgrade::Origins-Pattern;' '#clear Unattended-Upgrade::Allowed-Origins;' \
    '  "origin=Ubuntu,archive=${distro_codename}-security";' '  "origin=Debian,label=Debian-Security";' \
    'Unattended-Upgrade::Automatic-Reboot "false";' 'DPkg::Lock::Timeout "300";' \
    'Dpkg::Options { "--force-confdef"; "--force-confold"; };'; do
    grep -Fxq -- "$line" <<<"$main" || fail_with "apt main config lacks: $line" "$main"
  done
  if grep -Eq '"origin=Ubuntu,archive=\$\{distro_codename\}(-updates)?";' <<<"$main"; then fail_with "non-security origin allowed"; fi
}

@test "Ubuntu 22.04: real apt-config reads our origins and no-reboot over the image's 50unattended-upgrades" {
  command -v apt-config >/dev/null || fail_with "apt-config (Debian's apt) is needed for this test"
  root_ubuntu2204
  # The image's own unattended-upgrades configuration, as apt.conf.d would hold it.
  hook unattended-upgrade 'mkdir -p "$STUB_STATE/apt.conf.d"
cat >"$STUB_STATE/apt.conf.d/50unattended-upgrades" <<"CONF"
Unattended-Upgrade::Allowed-Origins { "${distro_id}:${distro_codename}"; "${distro_id}:${distro_codename}-updates"; };
Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=${distro_codename},label=Debian"; };
Unattended-Upgrade::Automatic-Reboot "true";
CONF
printf "Dir::Etc::parts \"%s\";\n#include \"%s\";\n" "$STUB_STATE/apt.conf.d" "$APT_CONFIG" >"$STUB_STATE/wrapper.conf"
APT_CONFIG="$STUB_STATE/wrapper.conf" apt-config dump >"$STUB_STATE/apt-config.dump"'
  run_patch security true
  assert_status 0
  dump=$(grep -E '^(Unattended-Upgrade|DPkg::Lock)' "$STUB_STATE/apt-config.dump" | LC_ALL=C sort)
  # #clear leaves the image's Allowed-Origins an empty list: only our security patterns remain.
  expected=$(printf '%s\n' 'Unattended-Upgrade "";' 'Unattended-Upgrade::Allowed-Origins "";' \
    'Unattended-Upgrade::Origins-Pattern "";' \
    'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,label=Debian-Security";' \
    'Unattended-Upgrade::Origins-Pattern:: "origin=Ubuntu,archive=${distro_codename}-security";' \
    'Unattended-Upgrade::Origins-Pattern:: "origin=UbuntuESMApps,archive=${distro_codename}-apps-security";' \
    'Unattended-Upgrade::Origins-Pattern:: "origin=UbuntuESM,archive=${distro_codename}-infra-security";' \
    'Unattended-Upgrade::Automatic-Reboot "false";' 'DPkg::Lock "";' 'DPkg::Lock::Timeout "300";' | LC_ALL=C sort)
  [[ $dump == "$expected" ]] || fail_with "apt-config dump:" "$dump" "expected:" "$expected"
}

@test "Ubuntu 22.04: chrony drop-in in /etc/chrony/sources.d and the chrony unit restarted" {
  root_ubuntu2204
  run_patch security true
  assert_status 0
  assert_file_equals /etc/chrony/sources.d/asg-patcher-amazon-time-sync.sources "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
  assert_called 'systemctl try-restart chrony.service'
  assert_not_called_like '^systemctl .*chronyd'
  if grep -q asg-patcher "$ROOT/etc/chrony/chrony.conf"; then fail_with "chrony.conf edited"; fi
  assert_status_file 'time_sync=configured:/etc/chrony/sources.d/asg-patcher-amazon-time-sync.sources'
}

@test "Ubuntu 22.04: all updates with apt-get upgrade --with-new-pkgs, keeping config files" {
  root_ubuntu2204
  run_patch all true
  assert_status 0
  assert_called "apt-get $APT_OPTS -y upgrade --with-new-pkgs"
  assert_call_count unattended-upgrade 0
  grep -Fxq 'DEBIAN_FRONTEND=noninteractive' "$STUB_STATE/apt-get.env" || fail_with "DEBIAN_FRONTEND not noninteractive"
}

@test "Ubuntu 22.04: /var/run/reboot-required after the upgrade is reported, not acted on" {
  root_ubuntu2204
  hook unattended-upgrade 'mkdir -p "$ASG_PATCHER_ROOT/var/run"; echo "*** System restart required ***" >"$ASG_PATCHER_ROOT/var/run/reboot-required"'
  run_patch security true
  assert_status 0
  assert_status_file 'reboot_required=yes'
  assert_log_contains 'a reboot is required'
}

@test "Ubuntu 22.04: a failing unattended-upgrade exits non-zero and is logged" {
  root_ubuntu2204
  exit_codes unattended-upgrade 1
  run_patch security true
  assert_status 1
  assert_log_contains 'security updates failed with apt'
  assert_status_file 'result=failed'
}

@test "Ubuntu 22.04 without unattended-upgrades: upgrade from the one-line *-security entries only" {
  root_ubuntu2204
  unstub unattended-upgrade
  run_patch security true
  assert_status 0
  calls_of apt-get | tail -n 1 | grep -Eq -- "^apt-get $APT_OPTS -o Dir::Etc::SourceList=[^ ]*/apt-security/security.list -o Dir::Etc::SourceParts=[^ ]*/apt-security/parts -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -y upgrade --with-new-pkgs$" ||
    fail_with "unexpected upgrade call"
  [[ $(cat "$STUB_STATE/security.list") == "$(printf '%s\n' 'deb http://security.ubuntu.com/ubuntu jammy-security main restricted' \
    'deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] http://security.ubuntu.com/ubuntu jammy-security universe')" ]] ||
    fail_with "security.list is:" "$(cat "$STUB_STATE/security.list")"
}

@test "Ubuntu 24.04: systemd-timesyncd drop-in, systemd-timesyncd restarted" {
  root_ubuntu2404
  run_patch security true
  assert_status 0
  assert_file_equals /etc/systemd/timesyncd.conf.d/60-asg-patcher-amazon-time-sync.conf \
    "$(printf '%s\n' "$DROPIN_COMMENT" '[Time]' 'NTP=169.254.169.123')"
  assert_called 'systemctl try-restart systemd-timesyncd.service'
  assert_called 'unattended-upgrade -v'
}

@test "Ubuntu 24.04: timesyncd already pointing at 169.254.169.123 changes nothing" {
  root_ubuntu2404
  printf 'NTP=169.254.169.123\n' >>"$ROOT/etc/systemd/timesyncd.conf"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_not_called_like '^systemctl '
  assert_log_contains 'time sync already configured'
}

@test "Ubuntu 24.04 without unattended-upgrades: only the deb822 noble-security stanza is used" {
  root_ubuntu2404
  unstub unattended-upgrade
  run_patch security true
  assert_status 0
  [[ ! -s "$STUB_STATE/security.list" ]] || fail_with "one-line list should be empty:" "$(cat "$STUB_STATE/security.list")"
  [[ $(cat "$STUB_STATE/security.parts") == "$(printf '%s\n' 'Types: deb' 'URIs: http://security.ubuntu.com/ubuntu' \
    'Components: main restricted universe multiverse' 'Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg' \
    'Suites: noble-security')" ]] || fail_with "security sources are:" "$(cat "$STUB_STATE/security.parts")"
}

@test "Debian 12: security-only upgrade from bookworm-security (deb822, mirror+file URIs kept)" {
  root_debian12
  run_patch security true
  assert_status 0
  assert_called 'apt-get -o DPkg::Lock::Timeout=300 update'
  assert_call_count apt-get 2
  calls_of apt-get | tail -n 1 | grep -Eq -- "^apt-get $APT_OPTS -o Dir::Etc::SourceList=.* -o Dir::Etc::SourceParts=.* -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -y upgrade --with-new-pkgs$" ||
    fail_with "unexpected upgrade call"
  [[ $(cat "$STUB_STATE/security.parts") == "$(printf '%s\n' 'Types: deb deb-src' \
    'URIs: mirror+file:///etc/apt/mirrors/debian-security.list' 'Components: main' 'Suites: bookworm-security')" ]] ||
    fail_with "security sources are:" "$(cat "$STUB_STATE/security.parts")"
  grep -Fxq 'DEBIAN_FRONTEND=noninteractive' "$STUB_STATE/apt-get.env" || fail_with "DEBIAN_FRONTEND not noninteractive"
  assert_file_equals /etc/chrony/sources.d/asg-patcher-amazon-time-sync.sources "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
  assert_called 'systemctl try-restart chrony.service'
  assert_status_file 'package_manager=apt'
  assert_status_file 'reboot_required=no'
}

@test "Debian 12: a stanza mixing suites keeps only its security suite; disabled stanzas are ignored" {
  root_debian12
  write /etc/apt/sources.list.d/debian.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm bookworm-security
Components: main

Enabled: no
Types: deb
URIs: http://example.com/debian-security
Suites: bookworm-security
Components: main
SOURCES
  run_patch security true
  assert_status 0
  [[ $(cat "$STUB_STATE/security.parts") == "$(printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian-security' \
    'Components: main' 'Suites: bookworm-security')" ]] || fail_with "security sources are:" "$(cat "$STUB_STATE/security.parts")"
}

@test "Debian 12: no security entries in the sources fails loudly rather than upgrading everything" {
  root_debian12
  write /etc/apt/sources.list.d/debian.sources <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
SOURCES
  run_patch security true
  assert_status 1
  assert_call_count apt-get 1
  assert_log_contains 'no security entries'
}

@test "Debian 12: a failing apt-get upgrade exits non-zero and is logged" {
  root_debian12
  exit_codes apt-get 0 100
  run_patch security true
  assert_status 1
  assert_log_contains 'security updates failed with apt'
  assert_status_file 'update_result=failed'
}

@test "Debian 12: a failing apt-get update still upgrades from the fetched lists, then reports failure" {
  root_debian12
  exit_codes apt-get 100 0
  run_patch security true
  assert_status 1
  assert_call_count apt-get 2
  assert_log_contains 'apt-get update failed'
}

@test "Debian 12: without a running systemd (chroot) the drop-in is written and nothing is restarted" {
  root_debian12
  rm -rf "$ROOT/run/systemd"
  run_patch security true
  assert_status 0
  assert_not_called_like '^systemctl '
  assert_log_contains 'no running systemd'
}

@test "Debian 12: already configured in sources.d changes nothing" {
  root_debian12
  write /etc/chrony/sources.d/aws.sources <<<"server 169.254.169.123 iburst"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_not_called_like '^systemctl '
}

@test "Debian with chrony.conf lacking sourcedir/confdir: guarded append to /etc/chrony/chrony.conf" {
  root_debian12
  write /etc/chrony/chrony.conf <<<'pool 2.debian.pool.ntp.org iburst'
  run_patch security true
  assert_status 0
  assert_file_equals /etc/chrony/chrony.conf "$(printf '%s\n' 'pool 2.debian.pool.ntp.org iburst' '' \
    '# BEGIN asg-patcher: Amazon Time Sync Service' "$CHRONY_AMAZON" '# END asg-patcher')"
  assert_called 'systemctl try-restart chrony.service'
}
