#!/usr/bin/env bats
# Behaviour shared by every distro: options, logs, status file, syslog, the unrendered template.

load helpers

setup_file() { render_scripts; }
setup() { setup_sandbox; }
teardown() { assert_never_rebooted; }

@test "timeSync=false leaves every time configuration alone" {
  root_al2023
  snapshot_etc
  run_patch security false
  assert_status 0
  assert_etc_unchanged
  assert_not_called_like '^systemctl '
  assert_status_file 'time_sync=disabled'
  assert_called 'dnf -y --releasever=latest upgrade --security'
}

@test "no chrony and no systemd-timesyncd: time sync skipped with a warning, nothing installed" {
  root_debian12
  rm -rf "$ROOT/etc/chrony"
  run_patch security true
  assert_status 0
  assert_status_file 'time_sync=skipped-no-time-service'
  assert_log_contains 'no chrony or systemd-timesyncd found'
  assert_not_called_like '^(apt-get|dnf|yum|zypper) .*install'
}

@test "log file and syslog (logger -t asg-patcher) both get the messages" {
  root_al2
  run_patch security true
  assert_status 0
  assert_log_contains 'info: start: updates=security timeSync=true os=amzn 2 family=al2'
  assert_log_contains 'running: yum -y update --security'
  assert_called 'logger -t asg-patcher -p user.info -- start: updates=security timeSync=true os=amzn 2 family=al2'
}

@test "failures go to syslog as errors" {
  root_al2
  exit_codes yum 1
  run_patch security true
  assert_status 1
  assert_called 'logger -t asg-patcher -p user.err -- security updates failed with yum; see the output above'
}

@test "the package manager's own output lands in the log file" {
  root_al2
  hook yum 'echo "No packages marked for update"'
  run_patch security true
  assert_status 0
  assert_log_contains 'No packages marked for update'
}

@test "status file: key=value lines, written at the end" {
  root_al2023
  run_patch all true
  assert_status 0
  keys=$(grep -v '^#' "$ROOT/var/lib/asg-patcher/status" | cut -d= -f1 | tr '\n' ' ')
  [[ $keys == 'result os family updates package_manager update_result time_sync reboot_required finished_at ' ]] ||
    fail_with "status keys: $keys"
  assert_status_file 'updates=all'
  assert_status_file 'os=amzn 2023'
}

@test "an unknown distribution exits non-zero with a message naming it" {
  os_release <<<'ID=plan9'
  run_patch security true
  assert_status 1
  assert_log_contains 'unsupported distribution (ID=plan9'
  assert_not_called_like '^(apt-get|dnf|yum|zypper) '
}

@test "a missing package manager exits non-zero" {
  root_suse15
  unstub zypper
  run_patch security true
  assert_status 1
  assert_log_contains 'zypper not found'
}

@test "the unrendered template refuses to run (exit 2) and changes nothing" {
  root_al2
  snapshot_etc
  run env -i PATH="$STUBS:/usr/bin:/bin" CALLS="$CALLS" STUB_STATE="$STUB_STATE" ASG_PATCHER_ROOT="$ROOT" \
    /bin/bash "$REPO_ROOT/src/userdata/patch.sh"
  assert_status 2
  assert_etc_unchanged
  assert_not_called_like '^(yum|systemctl) '
}

@test "the script leaves no temporary files behind" {
  root_debian12
  run_patch security true
  assert_status 0
  leftovers=$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'asg-patcher.*')
  [[ -z $leftovers ]] || fail_with "left behind: $leftovers"
}
