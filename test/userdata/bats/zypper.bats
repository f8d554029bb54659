#!/usr/bin/env bats
# The patch script on SUSE Linux Enterprise Server 15 (zypper; chrony as chronyd).
# zypper(8) EXIT CODES: 100/101 updates available (information), 102 reboot needed,
# 103 zypper updated itself and the command must run again.

load helpers

setup_file() { render_scripts; }
setup() { setup_sandbox; }
teardown() { assert_never_rebooted; }

ZYPPER_SECURITY='zypper --non-interactive patch --category security --auto-agree-with-licenses'

@test "SUSE 15: security patches with zypper patch --category security; drop-in in /etc/chrony.d; chronyd restarted" {
  root_suse15
  run_patch security true
  assert_status 0
  assert_called "$ZYPPER_SECURITY"
  assert_call_count zypper 1
  grep -Fxq 'ZYPP_LOCK_TIMEOUT=300' "$STUB_STATE/zypper.env" || fail_with "ZYPP_LOCK_TIMEOUT not set"
  assert_file_equals /etc/chrony.d/asg-patcher-amazon-time-sync.conf "$(printf '%s\n' "$DROPIN_COMMENT" "$CHRONY_AMAZON")"
  assert_called 'systemctl try-restart chronyd.service'
  assert_status_file 'family=suse'
  assert_status_file 'package_manager=zypper'
  assert_status_file 'reboot_required=no'
}

@test "SUSE 15: all updates with zypper update" {
  root_suse15
  run_patch all true
  assert_status 0
  assert_called 'zypper --non-interactive update --auto-agree-with-licenses'
}

@test "SUSE 15: exit 103 (zypper updated itself) runs the command again" {
  root_suse15
  exit_codes zypper 103 0
  run_patch security true
  assert_status 0
  assert_call_count zypper 2
  [[ $(calls_of zypper | sort -u) == "$ZYPPER_SECURITY" ]] || fail_with "the second run differs from the first"
  assert_log_contains 'zypper updated itself (exit 103)'
}

@test "SUSE 15: exit 102 (reboot needed) succeeds and reports the reboot, without rebooting" {
  root_suse15
  exit_codes zypper 102
  run_patch security true
  assert_status 0
  assert_status_file 'reboot_required=yes'
  assert_log_contains 'a reboot is required'
}

@test "SUSE 15: 103 then 102 runs again and reports the reboot" {
  root_suse15
  exit_codes zypper 103 102
  run_patch security true
  assert_status 0
  assert_call_count zypper 2
  assert_status_file 'reboot_required=yes'
}

@test "SUSE 15: informational exit codes 100 and 101 are success" {
  root_suse15
  exit_codes zypper 101
  run_patch security true
  assert_status 0
  exit_codes zypper 100
  run_patch security true
  assert_status 0
  assert_status_file 'update_result=ok'
}

@test "SUSE 15: a zypper error (exit 4) exits non-zero and is logged" {
  root_suse15
  exit_codes zypper 4
  run_patch security true
  assert_status 1
  assert_log_contains 'zypper exited 4'
  assert_status_file 'result=failed'
}

@test "SUSE 15: 103 three times in a row gives up with a failure" {
  root_suse15
  exit_codes zypper 103 103 103 0
  run_patch security true
  assert_status 1
  assert_call_count zypper 3
  assert_log_contains 'zypper still asked to be run again after 3 runs'
}

@test "SUSE 15: /run/reboot-needed (zypp-boot-plugin) is reported" {
  root_suse15
  hook zypper 'mkdir -p "$ASG_PATCHER_ROOT/run"; echo reboot >"$ASG_PATCHER_ROOT/run/reboot-needed"'
  run_patch security true
  assert_status 0
  assert_status_file 'reboot_required=yes'
}

@test "SUSE 15: already configured changes nothing" {
  root_suse15
  write /etc/chrony.d/aws.conf <<<"$CHRONY_AMAZON"
  snapshot_etc
  run_patch security true
  assert_status 0
  assert_etc_unchanged
  assert_not_called_like '^systemctl '
}
