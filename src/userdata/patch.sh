#!/bin/bash
# asg-patcher managed part v1
# options: updates=@@UPDATES@@ timeSync=@@TIME_SYNC@@
# Applies OS updates and points time sync at the Amazon Time Sync Service; never reboots.
# Log: /var/log/asg-patcher.log and syslog (asg-patcher). Status: /var/lib/asg-patcher/status.
# Written by asg-patcher (src/userdata/patch.sh, comments stripped) and replaced on its next run.

# Runs once per instance, first among the user-data scripts (cloud-init's scripts-user). It
#  1. points time sync at the Amazon Time Sync Service (169.254.169.123), through a drop-in where
#     the distro reads one, a guarded append elsewhere, and changes nothing when already set;
#  2. applies security updates (or all updates) with the distro's package manager.
# It never reboots: a reboot here would stop cloud-init before the customer's parts run. A needed
# reboot is reported in the log and in the status file. It exits non-zero when a step failed;
# cloud-init still runs the remaining user-data scripts (cloudinit/subp.py runparts collects the
# failures and runs every script) and reports the failure.
#
# renderPatchScript (src/userdata/script.ts) fills in the @@ placeholders and drops the full-line
# comments after the header above: the rendered bytes count against EC2's 16 KB user-data limit.
# ASG_PATCHER_ROOT (tests only) prefixes every file path the script reads or writes.

# No `set -e`: every step checks its own commands, records a failure and the script goes on, so
# one failed step (say a broken third-party repository) does not leave time sync unconfigured.
set -uo pipefail
shopt -s nullglob

ASG_PATCHER_UPDATES='@@UPDATES@@'
ASG_PATCHER_TIME_SYNC='@@TIME_SYNC@@'

ROOT="${ASG_PATCHER_ROOT:-/}"
ROOT="${ROOT%/}"
LOG_FILE="$ROOT/var/log/asg-patcher.log"
STATUS_FILE="$ROOT/var/lib/asg-patcher/status"
TIME_SYNC_V4='169.254.169.123'
TIME_SYNC_PATTERN='(169\.254\.169\.123|fd00:ec2::123)'
CHRONY_SERVER_LINE='server 169.254.169.123 prefer iburst minpoll 4 maxpoll 4'
DROPIN_NAME='asg-patcher-amazon-time-sync'
APPEND_BEGIN='# BEGIN asg-patcher: Amazon Time Sync Service'
APPEND_END='# END asg-patcher'

FAILED=0
FAMILY='unknown'
PACKAGE_MANAGER='none'
UPDATE_RESULT='not-run'
TIME_SYNC_RESULT='not-run'
REBOOT_REQUIRED='unknown'
OS_ID=''
OS_ID_LIKE=''
OS_VERSION_ID=''
WORK_DIR=''

# --- logging -------------------------------------------------------------------------------------

log() {
  local level=$1
  shift
  local line
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) asg-patcher[$$] ${level}: $*"
  printf '%s\n' "$line"
  printf '%s\n' "$line" >>"$LOG_FILE" 2>/dev/null || true
  if command -v logger >/dev/null 2>&1; then
    logger -t asg-patcher -p "user.$level" -- "$*" 2>/dev/null || true
  fi
}

fail() {
  FAILED=1
  log err "$@"
}

# Runs a command, its output to stdout (cloud-init-output.log) and to our log file; keeps its status.
run_logged() {
  log info "running: $*"
  "$@" 2>&1 | tee -a "$LOG_FILE"
  return "${PIPESTATUS[0]}"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n $WORK_DIR ]]; then rm -rf "$WORK_DIR"; fi
}
trap cleanup EXIT

# --- distro --------------------------------------------------------------------------------------

strip_quotes() {
  local value=$1
  value=${value#\"}
  value=${value%\"}
  value=${value#\'}
  value=${value%\'}
  printf '%s' "$value"
}

read_os_release() {
  local file="$ROOT/etc/os-release" key value
  [[ -r $file ]] || file="$ROOT/usr/lib/os-release"
  if [[ ! -r $file ]]; then
    return 1
  fi
  # Parsed, not sourced: it is data, and sourcing it could run anything.
  while IFS='=' read -r key value; do
    case $key in
      ID) OS_ID=$(strip_quotes "$value") ;;
      ID_LIKE) OS_ID_LIKE=$(strip_quotes "$value") ;;
      VERSION_ID) OS_VERSION_ID=$(strip_quotes "$value") ;;
    esac
  done <"$file"
  return 0
}

detect_family() {
  local ids=" $OS_ID $OS_ID_LIKE "
  if [[ $OS_ID == amzn ]]; then
    case $OS_VERSION_ID in
      2) FAMILY='al2' ;;
      *) FAMILY='al2023' ;;
    esac
  elif [[ $ids == *" debian "* || $ids == *" ubuntu "* ]]; then
    FAMILY='debian'
  elif [[ $ids == *" suse "* || $ids == *" sles "* || $ids == *" opensuse"* ]]; then
    FAMILY='suse'
  elif [[ $ids == *" rhel "* || $ids == *" fedora "* || $ids == *" centos "* ]]; then
    FAMILY='rhel'
  else
    FAMILY='unknown'
  fi
}

# --- time sync -----------------------------------------------------------------------------------

# Does any of these files configure the Amazon Time Sync Service already?
time_sync_in_chrony_files() {
  grep -Eiqs "^[[:space:]]*(server|pool|peer)[[:space:]]+${TIME_SYNC_PATTERN}([[:space:]]|\$)" "$@"
}

has_systemd() {
  [[ -d "$ROOT/run/systemd/system" ]]
}

restart_service() {
  local unit=$1
  if ! has_systemd; then
    log info "no running systemd (chroot or image build): $unit reads the new configuration when it next starts"
    return 0
  fi
  if ! command -v systemctl >/dev/null 2>&1; then
    log warning "systemctl not found: restart $unit yourself to apply the new time source"
    return 0
  fi
  # try-restart: a service the image runs is restarted; one the owner disabled stays stopped.
  if run_logged systemctl try-restart "$unit.service"; then
    log info "restarted $unit"
    return 0
  fi
  fail "could not restart $unit; the new time source applies at its next start"
  return 1
}

configure_chrony() {
  local conf=$1 unit=$2
  local -a files=("$ROOT$conf")
  local source_dropin='' conf_dropin='' directive dir f
  local -a args
  # chrony comments start with one of # ! ; %
  while read -r directive rest; do
    read -r -a args <<<"$rest"
    # bash 4.2 (AL2, RHEL 7) treats "${args[@]}" of an empty array as unset under set -u.
    [[ ${#args[@]} -gt 0 ]] || continue
    case $directive in
      sourcedir)
        for dir in "${args[@]}"; do
          for f in "$ROOT$dir"/*.sources; do files+=("$f"); done
          if [[ -z $source_dropin && $dir == /etc/* ]]; then source_dropin="$dir/$DROPIN_NAME.sources"; fi
        done
        ;;
      confdir)
        for dir in "${args[@]}"; do
          for f in "$ROOT$dir"/*.conf; do files+=("$f"); done
          if [[ -z $conf_dropin && $dir == /etc/* ]]; then conf_dropin="$dir/$DROPIN_NAME.conf"; fi
        done
        ;;
      include)
        for f in $ROOT${args[0]:-}; do files+=("$f"); done
        if [[ -z $conf_dropin && ${args[0]:-} == /etc/*/\*.conf ]]; then
          conf_dropin="${args[0]%/\*.conf}/$DROPIN_NAME.conf"
        fi
        ;;
    esac
  done < <(grep -Ev '^[[:space:]]*([#!;%]|$)' "$ROOT$conf")

  if time_sync_in_chrony_files "${files[@]}"; then
    TIME_SYNC_RESULT='already-configured'
    log info "time sync already configured: chrony already uses the Amazon Time Sync Service; nothing changed"
    return 0
  fi

  local target=${source_dropin:-$conf_dropin}
  if [[ -n $target ]]; then
    if ! mkdir -p "$(dirname "$ROOT$target")" ||
      ! printf '# Managed by asg-patcher: the Amazon Time Sync Service, reachable from every EC2 instance.\n%s\n' \
        "$CHRONY_SERVER_LINE" >"$ROOT$target"; then
      TIME_SYNC_RESULT='failed'
      fail "could not write $target"
      return 1
    fi
    log info "time sync configured: wrote chrony drop-in $target"
  else
    if ! printf '\n%s\n%s\n%s\n' "$APPEND_BEGIN" "$CHRONY_SERVER_LINE" "$APPEND_END" >>"$ROOT$conf"; then
      TIME_SYNC_RESULT='failed'
      fail "could not append the Amazon Time Sync Service to $conf"
      return 1
    fi
    target=$conf
    log info "time sync configured: appended the Amazon Time Sync Service to $conf (no drop-in directory)"
  fi
  TIME_SYNC_RESULT="configured:$target"
  restart_service "$unit" || true
}

configure_timesyncd() {
  local dropin="/etc/systemd/timesyncd.conf.d/60-$DROPIN_NAME.conf"
  local -a files=("$ROOT/etc/systemd/timesyncd.conf")
  local f
  for f in "$ROOT"/etc/systemd/timesyncd.conf.d/*.conf "$ROOT"/usr/lib/systemd/timesyncd.conf.d/*.conf \
    "$ROOT"/run/systemd/timesyncd.conf.d/*.conf; do
    files+=("$f")
  done
  if grep -Eiqs "^[[:space:]]*NTP=.*${TIME_SYNC_PATTERN}" "${files[@]}"; then
    TIME_SYNC_RESULT='already-configured'
    log info "time sync already configured: systemd-timesyncd already uses the Amazon Time Sync Service; nothing changed"
    return 0
  fi
  if ! mkdir -p "$ROOT/etc/systemd/timesyncd.conf.d" ||
    ! printf '# Managed by asg-patcher: the Amazon Time Sync Service, reachable from every EC2 instance.\n[Time]\nNTP=%s\n' \
      "$TIME_SYNC_V4" >"$ROOT$dropin"; then
    TIME_SYNC_RESULT='failed'
    fail "could not write $dropin"
    return 1
  fi
  log info "time sync configured: wrote systemd-timesyncd drop-in $dropin"
  TIME_SYNC_RESULT="configured:$dropin"
  restart_service systemd-timesyncd || true
}

configure_time_sync() {
  if [[ $ASG_PATCHER_TIME_SYNC != true ]]; then
    TIME_SYNC_RESULT='disabled'
    log info "time sync left alone (timeSync option off)"
    return 0
  fi
  # Debian/Ubuntu keep chrony's configuration under /etc/chrony/ and call the unit chrony;
  # Amazon Linux, RHEL and SUSE use /etc/chrony.conf and chronyd.
  local -a candidates=('/etc/chrony.conf:chronyd' '/etc/chrony/chrony.conf:chrony')
  if [[ $FAMILY == debian ]]; then candidates=('/etc/chrony/chrony.conf:chrony' '/etc/chrony.conf:chronyd'); fi
  local candidate
  for candidate in "${candidates[@]}"; do
    if [[ -f "$ROOT${candidate%%:*}" ]]; then
      configure_chrony "${candidate%%:*}" "${candidate##*:}"
      return
    fi
  done
  if [[ -e "$ROOT/lib/systemd/systemd-timesyncd" || -e "$ROOT/usr/lib/systemd/systemd-timesyncd" ]]; then
    configure_timesyncd
    return
  fi
  # Installing a time service is a change of the image beyond updates: left to the image owner.
  TIME_SYNC_RESULT='skipped-no-time-service'
  log warning "no chrony or systemd-timesyncd found: time sync skipped (asg-patcher installs no packages)"
}

# --- updates -------------------------------------------------------------------------------------

check_reboot_rpm() {
  local rc
  if command -v needs-restarting >/dev/null 2>&1; then
    needs-restarting -r >>"$LOG_FILE" 2>&1
    rc=$?
  elif [[ $PACKAGE_MANAGER == dnf ]] && dnf needs-restarting --help >/dev/null 2>&1; then
    dnf needs-restarting -r >>"$LOG_FILE" 2>&1
    rc=$?
  else
    log warning "needs-restarting not found: cannot tell whether a reboot is required"
    return
  fi
  # needs-restarting -r: 1 when a reboot is required, 0 when not.
  case $rc in
    0) REBOOT_REQUIRED='no' ;;
    1) REBOOT_REQUIRED='yes' ;;
    *) log warning "needs-restarting -r exited $rc: cannot tell whether a reboot is required" ;;
  esac
}

update_dnf() {
  PACKAGE_MANAGER='dnf'
  local -a cmd=(dnf -y)
  # AL2023's repositories are versioned: without --releasever=latest, dnf only sees the release the
  # AMI was built from and finds nothing to upgrade. An owner who pinned a release on purpose in
  # /etc/dnf/vars/releasever (AWS's "persistent override") keeps it: we upgrade within that release.
  # https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades-usage.html
  if [[ $FAMILY == al2023 ]]; then
    local pinned=''
    if [[ -s "$ROOT/etc/dnf/vars/releasever" ]]; then pinned=$(head -n 1 "$ROOT/etc/dnf/vars/releasever"); fi
    if [[ -n $pinned && $pinned != latest ]]; then
      log info "release pinned to $pinned in /etc/dnf/vars/releasever: upgrading within that release"
    else
      cmd+=(--releasever=latest)
    fi
  fi
  cmd+=(upgrade)
  if [[ $ASG_PATCHER_UPDATES == security ]]; then cmd+=(--security); fi
  run_logged "${cmd[@]}"
}

update_yum() {
  PACKAGE_MANAGER='yum'
  local -a cmd=(yum -y update)
  if [[ $ASG_PATCHER_UPDATES == security ]]; then cmd+=(--security); fi
  run_logged "${cmd[@]}"
}

# Copies the enabled security entries of the apt sources (one-line and deb822) into $1.
collect_security_sources() {
  local out=$1 f
  mkdir -p "$out/parts" || return 1
  for f in "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk '$1 == "deb" {
      i = 2
      if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
      if ($(i + 1) ~ /-security$|\/updates$/) print
    }' "$f" >>"$out/security.list"
  done
  for f in "$ROOT"/etc/apt/sources.list.d/*.sources; do
    awk 'BEGIN { RS = ""; ORS = "" }
    {
      n = split($0, lines, "\n"); enabled = 1; types = ""; suites = ""; body = ""
      for (k = 1; k <= n; k++) {
        line = lines[k]
        if (line ~ /^#/) continue
        lower = tolower(line)
        if (lower ~ /^enabled:[ \t]*no/) enabled = 0
        if (lower ~ /^types:/) types = lower
        if (lower ~ /^suites:/) { sub(/^[^:]*:[ \t]*/, "", line); suites = line; continue }
        body = body line "\n"
      }
      if (!enabled || types !~ /[ \t:]deb([ \t]|$)/) next
      m = split(suites, s, /[ \t]+/); keep = ""
      for (j = 1; j <= m; j++) if (s[j] ~ /-security$|\/updates$/) keep = keep (keep == "" ? "" : " ") s[j]
      if (keep != "") printf "%sSuites: %s\n\n", body, keep
    }' "$f" >>"$out/parts/security.sources"
  done
  [[ -s "$out/security.list" || -s "$out/parts/security.sources" ]]
}

# unattended-upgrade with its origins narrowed to the security archives, whatever the image's
# 50unattended-upgrades allows (Debian's default also takes point-release updates), and never
# rebooting. apt reads APT_CONFIG first, then apt.conf.d, then Dir::Etc::main last: our main file
# therefore has the last word.
unattended_security_upgrade() {
  local conf="$WORK_DIR/apt-main.conf"
  {
    if [[ -f "$ROOT/etc/apt/apt.conf" ]]; then printf '#include "%s";\n' "$ROOT/etc/apt/apt.conf"; fi
    cat <<'APTCONF'
#clear Unattended-Upgrade::Origins-Pattern;
#clear Unattended-Upgrade::Allowed-Origins;
Unattended-Upgrade::Origins-Pattern {
  "origin=Debian,label=Debian-Security";
  "origin=Ubuntu,archive=${distro_codename}-security";
  "origin=UbuntuESMApps,archive=${distro_codename}-apps-security";
  "origin=UbuntuESM,archive=${distro_codename}-infra-security";
};
Unattended-Upgrade::Automatic-Reboot "false";
DPkg::Lock::Timeout "300";
Dpkg::Options { "--force-confdef"; "--force-confold"; };
APTCONF
  } >"$conf" || return 1
  printf 'Dir::Etc::main "%s";\n' "$conf" >"$WORK_DIR/apt.conf" || return 1
  APT_CONFIG="$WORK_DIR/apt.conf" run_logged unattended-upgrade -v
}

update_apt() {
  PACKAGE_MANAGER='apt'
  export DEBIAN_FRONTEND=noninteractive
  local -a opts=(-o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local rc=0
  if ! run_logged apt-get -o DPkg::Lock::Timeout=300 update; then
    # Often one unreachable third-party repository: upgrade from what was fetched, report failure.
    log err "apt-get update failed; upgrading from the package lists that were fetched"
    rc=1
  fi
  if [[ $ASG_PATCHER_UPDATES == all ]]; then
    run_logged apt-get "${opts[@]}" -y upgrade --with-new-pkgs || rc=1
    return $rc
  fi
  if command -v unattended-upgrade >/dev/null 2>&1; then
    unattended_security_upgrade || rc=1
    return $rc
  fi
  # No unattended-upgrades: upgrade with only the security entries of the sources in view; the
  # package lists come from the full update above, the cache is built in memory (not saved).
  if ! collect_security_sources "$WORK_DIR/apt-security"; then
    log err "no security entries (*-security) in the apt sources: cannot apply security updates only"
    return 1
  fi
  log info "security sources: $(cat "$WORK_DIR/apt-security/security.list" "$WORK_DIR/apt-security/parts/security.sources" 2>/dev/null | grep -Ei '^(deb |URIs:|Suites:)' | tr '\n' ' ')"
  run_logged apt-get "${opts[@]}" \
    -o Dir::Etc::SourceList="$WORK_DIR/apt-security/security.list" \
    -o Dir::Etc::SourceParts="$WORK_DIR/apt-security/parts" \
    -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
    -y upgrade --with-new-pkgs || rc=1
  return $rc
}

update_zypper() {
  PACKAGE_MANAGER='zypper'
  # Wait up to 5 minutes for another zypper/libzypp user instead of failing at once.
  export ZYPP_LOCK_TIMEOUT=300
  local -a cmd=(zypper --non-interactive)
  if [[ $ASG_PATCHER_UPDATES == security ]]; then
    cmd+=(patch --category security --auto-agree-with-licenses)
  else
    cmd+=(update --auto-agree-with-licenses)
  fi
  local attempt rc
  for attempt in 1 2 3; do
    run_logged "${cmd[@]}"
    rc=$?
    # zypper(8) EXIT CODES: 100/101 updates available (info), 102 reboot needed, 103 zypper
    # updated itself and the command must run again.
    case $rc in
      0 | 100 | 101)
        return 0
        ;;
      102)
        REBOOT_REQUIRED='yes'
        log warning "zypper: the installed patches need a reboot (exit 102)"
        return 0
        ;;
      103)
        log info "zypper updated itself (exit 103): running it again (attempt $((attempt + 1)))"
        ;;
      *)
        log err "zypper exited $rc"
        return 1
        ;;
    esac
  done
  log err "zypper still asked to be run again after 3 runs"
  return 1
}

check_reboot() {
  case $PACKAGE_MANAGER in
    dnf | yum) check_reboot_rpm ;;
    apt)
      if [[ -e "$ROOT/var/run/reboot-required" || -e "$ROOT/run/reboot-required" ]]; then
        REBOOT_REQUIRED='yes'
      else
        REBOOT_REQUIRED='no'
      fi
      ;;
    zypper)
      # zypp-boot-plugin writes /run/reboot-needed where installed.
      if [[ -e "$ROOT/run/reboot-needed" ]]; then REBOOT_REQUIRED='yes'; fi
      if [[ $REBOOT_REQUIRED != yes ]]; then REBOOT_REQUIRED='no'; fi
      ;;
  esac
  if [[ $REBOOT_REQUIRED == yes ]]; then
    log warning "a reboot is required to finish the updates; asg-patcher never reboots (the next instance refresh or the owner does)"
  fi
}

apply_updates() {
  local manager=''
  case $FAMILY in
    al2) manager='yum' ;;
    al2023) manager='dnf' ;;
    rhel) if command -v dnf >/dev/null 2>&1; then manager='dnf'; else manager='yum'; fi ;;
    debian) manager='apt-get' ;;
    suse) manager='zypper' ;;
    *)
      UPDATE_RESULT='failed'
      fail "unsupported distribution (ID=$OS_ID ID_LIKE=$OS_ID_LIKE): no updates applied"
      return 1
      ;;
  esac
  if ! command -v "$manager" >/dev/null 2>&1; then
    UPDATE_RESULT='failed'
    fail "$manager not found on this $FAMILY system: no updates applied"
    return 1
  fi
  log info "applying $ASG_PATCHER_UPDATES updates with $manager ($FAMILY)"
  local rc=0
  case $manager in
    dnf) update_dnf || rc=1 ;;
    yum) update_yum || rc=1 ;;
    apt-get) update_apt || rc=1 ;;
    zypper) update_zypper || rc=1 ;;
  esac
  if [[ $rc -ne 0 ]]; then
    UPDATE_RESULT='failed'
    fail "$ASG_PATCHER_UPDATES updates failed with $PACKAGE_MANAGER; see the output above"
  else
    UPDATE_RESULT='ok'
    log info "$ASG_PATCHER_UPDATES updates applied with $PACKAGE_MANAGER"
  fi
  check_reboot
  return $rc
}

write_status() {
  local result='ok'
  if [[ $FAILED -ne 0 ]]; then result='failed'; fi
  mkdir -p "$(dirname "$STATUS_FILE")" || return 1
  {
    printf '# asg-patcher managed part v1\n'
    printf 'result=%s\n' "$result"
    printf 'os=%s %s\n' "$OS_ID" "$OS_VERSION_ID"
    printf 'family=%s\n' "$FAMILY"
    printf 'updates=%s\n' "$ASG_PATCHER_UPDATES"
    printf 'package_manager=%s\n' "$PACKAGE_MANAGER"
    printf 'update_result=%s\n' "$UPDATE_RESULT"
    printf 'time_sync=%s\n' "$TIME_SYNC_RESULT"
    printf 'reboot_required=%s\n' "$REBOOT_REQUIRED"
    printf 'finished_at=%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$STATUS_FILE.tmp" && mv -f "$STATUS_FILE.tmp" "$STATUS_FILE"
}

# --- main ----------------------------------------------------------------------------------------

main() {
  mkdir -p "$(dirname "$LOG_FILE")" 2>/dev/null || true
  case $ASG_PATCHER_UPDATES in
    security | all) ;;
    *)
      log err "updates option '$ASG_PATCHER_UPDATES' is not security or all (script not rendered?)"
      exit 2
      ;;
  esac
  case $ASG_PATCHER_TIME_SYNC in
    true | false) ;;
    *)
      log err "timeSync option '$ASG_PATCHER_TIME_SYNC' is not true or false (script not rendered?)"
      exit 2
      ;;
  esac
  WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/asg-patcher.XXXXXX") || {
    log err "cannot create a temporary directory"
    exit 1
  }

  if read_os_release; then
    detect_family
  else
    log warning "no /etc/os-release"
  fi
  log info "start: updates=$ASG_PATCHER_UPDATES timeSync=$ASG_PATCHER_TIME_SYNC os=$OS_ID $OS_VERSION_ID family=$FAMILY"

  # Time first: a correct clock helps the TLS of the package downloads that follow.
  configure_time_sync || true
  apply_updates || true

  write_status || fail "could not write $STATUS_FILE"
  if [[ $FAILED -ne 0 ]]; then
    log err "finished with failures (status in /var/lib/asg-patcher/status)"
    exit 1
  fi
  log info "finished: updates=$UPDATE_RESULT timeSync=$TIME_SYNC_RESULT rebootRequired=$REBOOT_REQUIRED"
  exit 0
}

main "$@"
