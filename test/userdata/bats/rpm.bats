#!/usr/bin/env bats
# The patch script on Amazon Linux 2, Amazon Linux 2023 and RHEL 9 (yum/dnf, chrony as chronyd).

load helpers

setup_file() { render_scripts; }
setup() { setup_sandbox; }
teardown() { assert_never_rebooted; }

@test "AL2: security updates with yum --security; time sync appended once to /etc/chrony.conf; chronyd restarted" {
  root_al2
  run_patch security true
  assert_status 0
  assert_called 'yum -y update --security'
  assert_call_count dnf 0
  assert_file_equals /etc/chrony.conf "$(printf '%s\n' '# customised: a pool only' 'pool 2.amazon.pool.ntp.org iburst' \
    'driftfile /var/lib/chrony/drift' 'makestep 1.0 3' 'rtcsync' '' \
    '# BEGIN asg-patcher: Amazon Time Sync Service' "$CHRONY_AMAZON" '# END asg-patcher')"
  assert_called 'systemctl try-restart chronyd.service'
  assert_called 'needs-restarting -r'
  assert_status_file 'result=ok'
  assert_status_file 'family=al2'
  assert_status_file 'package_manager=yum'
  assert_status_file 'time_sync=configured:/etc/chrony.conf'
  assert_status_file 'reboot_required=no'
}

@test "AL2: all updates with yum update" {
  root_al2
  run_patch all true
  assert_status 0
  assert_called 'yum -y update'
  assert_call_count yum 1
}

@test "AL2: a second run never duplicates the appended server line" {
  root_al2
  run_patch security true
  assert_status 0
  snapshot_etc
  : >"$CALLS"
  run_patch security true
  assert_status 0
  assert_etc_unchanged "on the second run"
  [[ $(grep -c '169.254.169.123' "$ROOT/etc/chrony.conf") -eq 1 ]] || fail_with "server line duplicated"
  assert_call_count systemctl 0
  assert_log_contains 'time sync already configured'
}

@test "AL2: already configured (the AMI's own server line) changes nothing and restarts nothing" {
  root_al2
  printf '%s\n' "$CHRONY_AMAZON" >>"$ROOT/etc/chrony.conf"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_call_count systemctl 0
  assert_log_contains 'time sync already configured'
  assert_status_file 'time_sync=already-configured'
}

@test "AL2: the IPv6 endpoint fd00:ec2::123 counts as configured too" {
  root_al2
  printf 'server fd00:ec2::123 prefer iburst minpoll 4 maxpoll 4\n' >>"$ROOT/etc/chrony.conf"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
}

@test "AL2: a commented-out server line does not count as configured" {
  root_al2
  printf '# %s\n' "$CHRONY_AMAZON" >>"$ROOT/etc/chrony.conf"
  run_patch security true
  assert_status 0
  assert_status_file 'time_sync=configured:/etc/chrony.conf'
}

@test "AL2: needs-restarting -r says reboot: reported in log and status, never done" {
  root_al2
  exit_codes needs-restarting 1
  run_patch security true
  assert_status 0
  assert_status_file 'reboot_required=yes'
  assert_log_contains 'a reboot is required'
}

@test "AL2: a failing yum makes the script exit non-zero and log it; time sync is still done" {
  root_al2
  exit_codes yum 1
  run_patch security true
  assert_status 1
  assert_log_contains 'security updates failed with yum'
  assert_status_file 'result=failed'
  assert_status_file 'update_result=failed'
  assert_status_file 'time_sync=configured:/etc/chrony.conf'
}

@test "AL2023: dnf --releasever=latest upgrade --security; drop-in in /etc/chrony.d; chronyd restarted" {
  root_al2023
  run_patch security true
  assert_status 0
  assert_called 'dnf -y --releasever=latest upgrade --security'
  assert_call_count yum 0
  assert_file_equals /etc/chrony.d/asg-patcher-amazon-time-sync.sources "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
  assert_file_equals /etc/chrony.d/ntp-pool.sources 'pool time.aws.com iburst'
  if grep -q asg-patcher "$ROOT/etc/chrony.conf"; then fail_with "chrony.conf edited although a drop-in directory exists"; fi
  assert_called 'systemctl try-restart chronyd.service'
  assert_status_file 'family=al2023'
}

@test "AL2023: all updates keep --releasever=latest" {
  root_al2023
  run_patch all true
  assert_status 0
  assert_called 'dnf -y --releasever=latest upgrade'
}

@test "AL2023: a release pinned in /etc/dnf/vars/releasever is kept (no --releasever=latest)" {
  root_al2023
  write /etc/dnf/vars/releasever <<<'2023.6.20250107'
  run_patch security true
  assert_status 0
  assert_called 'dnf -y upgrade --security'
  assert_log_contains 'release pinned to 2023.6.20250107'
}

@test "AL2023: /etc/dnf/vars/releasever set to latest still upgrades to the latest release" {
  root_al2023
  write /etc/dnf/vars/releasever <<<'latest'
  run_patch security true
  assert_status 0
  assert_called 'dnf -y --releasever=latest upgrade --security'
}

@test "AL2023: already configured (link-local.sources, as the AMI ships it) changes nothing" {
  root_al2023
  write /etc/chrony.d/link-local.sources <<<"$CHRONY_AMAZON"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_no_file /etc/chrony.d/asg-patcher-amazon-time-sync.sources
  assert_call_count systemctl 0
  assert_log_contains 'time sync already configured'
}

@test "AL2023: a failing dnf exits non-zero and is logged" {
  root_al2023
  exit_codes dnf 1
  run_patch security true
  assert_status 1
  assert_log_contains 'security updates failed with dnf'
}

@test "RHEL 9: dnf upgrade --security (no releasever); .conf drop-in in the included /etc/chrony.d" {
  root_rhel9
  run_patch security true
  assert_status 0
  assert_called 'dnf -y upgrade --security'
  assert_file_equals /etc/chrony.d/asg-patcher-amazon-time-sync.conf "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
  assert_called 'systemctl try-restart chronyd.service'
  assert_status_file 'family=rhel'
}

@test "RHEL 9: all updates with dnf upgrade" {
  root_rhel9
  run_patch all true
  assert_status 0
  assert_called 'dnf -y upgrade'
}

@test "RHEL 9: chrony.conf with no include gets the guarded append" {
  root_rhel9
  sed -i '/^include/d' "$ROOT/etc/chrony.conf"
  run_patch security true
  assert_status 0
  [[ $(tail -n 3 "$ROOT/etc/chrony.conf") == "$(printf '%s\n' '# BEGIN asg-patcher: Amazon Time Sync Service' "$CHRONY_AMAZON" '# END asg-patcher')" ]] ||
    fail_with "no guarded append at the end of chrony.conf"
  assert_no_file /etc/chrony.d/asg-patcher-amazon-time-sync.conf
}

@test "RHEL 9: a directive without arguments in chrony.conf does not trip set -u" {
  root_rhel9
  printf 'sourcedir\nconfdir\n' >>"$ROOT/etc/chrony.conf"
  run_patch security true
  assert_status 0
  assert_file_equals /etc/chrony.d/asg-patcher-amazon-time-sync.conf "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
}

@test "RHEL 9: already configured in an included .conf changes nothing" {
  root_rhel9
  write /etc/chrony.d/aws.conf <<<"$CHRONY_AMAZON"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_call_count systemctl 0
}

@test "RHEL-like without dnf (RHEL 7) falls back to yum" {
  root_rhel9
  unstub dnf
  run_patch security true
  assert_status 0
  assert_called 'yum -y update --security'
}
