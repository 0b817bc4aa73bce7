# Updates that travel the mesh, under QEMU (sourced by boot-test.sh). The booted image runs version N (this
# commit). A host node on the test LAN publishes releases signed with the image's test release key:
#   a. N+1 (this commit's arm64 app tree, version bumped): the Pi downloads it over the LAN, its update helper
#      installs it, and N+1 runs, with the seeded drive and the admin password as they were;
#   b. N+2, broken on purpose (its node exits at start): installed, it fails, and the helper goes back to N+1;
#   c. N+3: QEMU is killed while the helper stages it, and the next boot serves the portal on N+1.
# The LAN: a tap device QEMU opens at boot (a second NIC, eth1 in the guest), moved into a network namespace of
# its own, where the host node runs. Multicast mDNS does not cross QEMU's user networking, a tap does.
# Needs UPDATE_TEST_DIR (test/image/run.sh): release-test.key (the test key), host/ (this commit for the host),
# app/ (the arm64 app tree the image carries).
UPD_NS= UPD_TAP= UPD_HOST_PID=
UPD_HOST_PORT=8090
UPD_LAN_HOST=169.254.77.1 UPD_LAN_PI=169.254.77.2

update_checks_enabled() { [ -n "${UPDATE_TEST_DIR:-}" ] && [ -s "$UPDATE_TEST_DIR/release-test.key" ] && [ -d "$UPDATE_TEST_DIR/app" ]; }

# The tap exists before QEMU starts (QEMU attaches to it by name); it moves into the namespace later, QEMU keeps it.
update_lan_create() {
  UPD_TAP=p2pu$(( $$ % 100000 ))
  UPD_NS=p2p-upd-$$-$RANDOM
  ip tuntap add dev "$UPD_TAP" mode tap
  ip netns add "$UPD_NS"
}
update_lan_qemu_args() { echo "-netdev tap,id=lan,ifname=$UPD_TAP,script=no,downscript=no -device virtio-net-pci,romfile=,netdev=lan,mac=52:54:00:50:32:21"; }
update_cleanup() {
  [ -n "$UPD_HOST_PID" ] && kill "$UPD_HOST_PID" 2>/dev/null
  [ -n "$UPD_NS" ] && ip netns del "$UPD_NS" 2>/dev/null
  [ -n "$UPD_TAP" ] && ip link del "$UPD_TAP" 2>/dev/null
  return 0
}

host_node_start() {
  ip netns exec "$UPD_NS" node "$UPDATE_TEST_DIR/host/bin/p2p-portal.js" start --data "$WORK/release-data" \
    --port "$UPD_HOST_PORT" --no-internet --mdns-interfaces "$UPD_TAP" --name "Release host" \
    --release-key "$(cat "$UPDATE_TEST_DIR/release-test.pub")" >> "$WORK/host-node.log" 2>&1 &
  UPD_HOST_PID=$!
  local i
  for i in $(seq 120); do
    ip netns exec "$UPD_NS" curl -s -m 2 -o /dev/null "http://127.0.0.1:$UPD_HOST_PORT/api/status" && return 0
    kill -0 "$UPD_HOST_PID" 2>/dev/null || break
    sleep 0.5
  done
  say "host node did not start:"; tail -20 "$WORK/host-node.log" >&2
  return 1
}
host_node_stop() { if [ -n "$UPD_HOST_PID" ]; then kill -TERM "$UPD_HOST_PID" 2>/dev/null; wait "$UPD_HOST_PID" 2>/dev/null; UPD_HOST_PID=; fi; }

# An app tree for version V: "full" is the image's own tree; "broken" has the same unit files and a node that exits.
make_tree() { # DIR VERSION full|broken
  local dir=$1 version=$2 kind=$3
  rm -rf "$dir"
  if [ "$kind" = full ]; then
    cp -a "$UPDATE_TEST_DIR/app" "$dir"
  else
    mkdir -p "$dir/bin"
    cp -a "$UPDATE_TEST_DIR/app/systemd" "$UPDATE_TEST_DIR/app/package.json" "$dir/"
    printf '#!/usr/bin/env node\nconsole.error("release %s of the image test is broken on purpose: exiting at start")\nprocess.exit(1)\n' "$version" > "$dir/bin/p2p-portal.js"
    chmod 755 "$dir/bin/p2p-portal.js"
  fi
  node -e 'const f=process.argv[1]; const p=JSON.parse(require("fs").readFileSync(f)); p.version=process.argv[2]; require("fs").writeFileSync(f, JSON.stringify(p, null, 2) + "\n")' "$dir/package.json" "$version"
}

# Publishes a tree into the host node's release drive (the node is stopped meanwhile: one opener per store).
publish() { # VERSION full|broken NOTES
  local version=$1 kind=$2 notes=$3 key
  host_node_stop
  make_tree "$WORK/tree-$version" "$version" "$kind"
  key=$(node "$UPDATE_TEST_DIR/host/bin/p2p-portal.js" release --key-file "$UPDATE_TEST_DIR/release-test.key" \
    --data "$WORK/release-data" --version "$version" --from "$WORK/tree-$version" --notes "$notes" 2>>"$WORK/publish.log")
  check "release $version published with the image's test key" test "$key" = "$(cat "$UPDATE_TEST_DIR/release-test.pub")"
  rm -rf "$WORK/tree-$version"
  host_node_start
}

pi_status() { curl -s -m 10 "http://127.0.0.1:${VM_HTTP[pi]}/api/status"; }
# Prints JS expression EXPR evaluated on /api/status's `update` (u), or nothing.
pi_update() { pi_status | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const u=JSON.parse(s).update;const v=eval(process.argv[1]);if(v!==undefined&&v!==null)console.log(typeof v==="string"?v:JSON.stringify(v))}catch{}})' "$1"; }
updater() { vm_ssh pi "sudo node - '$1'" < "$here/ask-updater.js"; }
# Prints JS expression EXPR evaluated on the update helper's status reply (r), or nothing.
updater_status() { updater '{"op":"status"}' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const r=JSON.parse(s);const v=eval(process.argv[1]);if(v!==undefined&&v!==null)console.log(typeof v==="string"?v:JSON.stringify(v))}catch{}})' "$1"; }
wait_for() { # SECONDS COMMAND...: until COMMAND succeeds
  local deadline=$(( $(date +%s) + $1 )); shift
  while [ "$(date +%s)" -lt "$deadline" ]; do "$@" && return 0; sleep 2; done
  return 1
}
# What the Pi's node and update helper logged about updates, for a wait that ran out or a refused Install now: the
# guest's journal is in RAM, so after the power cut of scenario c it is gone. Monotonic times: seconds since boot.
update_journal() {
  say "the Pi's update journal (last 40 lines):"
  vm_ssh pi "sudo journalctl -b -o short-monotonic --no-pager -u p2p-portal-updater -u p2p-portal | grep -Ei 'update|release|offer' | tail -40" 2>&1 | sed 's/^/#   /' >&2
}
# wait_for, and the update journal when it runs out.
waited() { wait_for "$@" && return 0; update_journal; return 1; }
is_available() { test "$(pi_update 'u.available + " " + u.state')" = "$1 ready"; }
is_offered() { test "$(updater_status 'r.offered && r.offered.version')" = "$1"; }
is_running() { test "$(pi_update 'u.current')" = "$1"; }
has_history() { updater_status 'r.history.map(h => h.event + " " + h.version).join("\n")' | grep -qx "$1"; }

# The organiser's side: the admin page's Updates section, with a session of its own (a restarted node forgets it).
upd_admin_get() { curl -s -m 120 -b "$WORK/update-cookies.txt" -c "$WORK/update-cookies.txt" "http://127.0.0.1:${VM_HTTP[pi]}$1" > "$WORK/update-page.html"; }
upd_admin_post() { # PATH [FIELD=VALUE...]: with the CSRF token of the last page read; prints the status code
  local path=$1 base=http://127.0.0.1:${VM_HTTP[pi]} args=() f csrf; shift
  csrf=$(grep -o 'name="_csrf" value="[^"]*"' "$WORK/update-page.html" | head -1 | sed -e 's/.*value="//' -e 's/"$//')
  for f in "_csrf=$csrf" "$@"; do args+=(--data-urlencode "$f"); done
  curl -s -m 180 -b "$WORK/update-cookies.txt" -c "$WORK/update-cookies.txt" -H "Origin: $base" \
    -o "$WORK/update-page.html" -w '%{http_code}' "${args[@]}" "$base$path"
}
admin_login_code() { # PASSWORD: 303 when the admin page takes it
  rm -f "$WORK/update-cookies.txt"
  upd_admin_get /admin/login
  upd_admin_post /admin/login "password=$1"
}
# "Install now" on the Updates page, as the organiser: prints the status code (303 when the helper took it).
admin_install() { # PASSWORD VERSION
  [ "$(admin_login_code "$1")" = 303 ] || { echo login-refused; return; }
  upd_admin_get /admin/updates
  upd_admin_post /admin/updates/install "version=$2"
}

update_checks() { # ADMIN_PASSWORD SEED_KEY BASE_VERSION
  local password=$1 seed_key=$2 base=$3 v1 v2 v3 t0 t1 t2 size out
  v1=${base%.*}.$(( ${base##*.} + 1 )) v2=${base%.*}.$(( ${base##*.} + 2 )) v3=${base%.*}.$(( ${base##*.} + 3 ))

  # The LAN: the tap into the namespace, the host's end addressed there; the Pi's eth1 a fixed link-local address.
  ip link set "$UPD_TAP" netns "$UPD_NS"
  ip netns exec "$UPD_NS" ip link set lo up
  ip netns exec "$UPD_NS" ip addr add "$UPD_LAN_HOST/16" dev "$UPD_TAP"
  ip netns exec "$UPD_NS" ip link set "$UPD_TAP" up
  vm_ssh pi "sudo nmcli -w 30 connection add type ethernet ifname eth1 con-name test-lan ipv4.method manual ipv4.addresses $UPD_LAN_PI/16 ipv6.method disabled >/dev/null && sudo nmcli -w 30 connection up test-lan >/dev/null"
  # A short probation for the test (the image's default is 2 minutes): a systemd drop-in for the helper's unit.
  vm_ssh pi "sudo mkdir -p /etc/systemd/system/p2p-portal-updater.service.d && printf '[Service]\nEnvironment=P2P_UPDATE_PROBATION_MS=25000\n' | sudo tee /etc/systemd/system/p2p-portal-updater.service.d/test-probation.conf >/dev/null && sudo systemctl daemon-reload && sudo systemctl stop p2p-portal-updater.service"

  # Manual installs for the test (the default installs by itself between 03:00 and 05:00): the organiser's choice,
  # made before any release is offered. Made later, a run inside that window saw the Pi install N+1 on its own
  # the moment it was offered, before "Install now".
  check "admin login with the boot-partition password" test "$(admin_login_code "$password")" = 303
  upd_admin_get /admin/updates
  out=$(upd_admin_post /admin/updates/policy mode=manual start=03:00 end=05:00)
  check "the organiser chooses manual updates (HTTP $out)" test "$out" = 303

  # a. N+1 over the LAN.
  publish "$v1" full "image test: $v1, this commit with a bumped version"
  check "the Pi reaches the host node over the test LAN (eth1)" test \
    "$(vm_ssh pi "curl -s -m 30 -o /dev/null -w '%{http_code}' http://$UPD_LAN_HOST:$UPD_HOST_PORT/api/status")" = 200
  size=$(stat -c %s "$WORK/release-data/p2p-portal-release-$v1.tar" 2>/dev/null)
  echo "# release size ($v1, the image's arm64 app tree): $(( ${size:-0} / 1048576 )) MiB as a bundle, $(find "$UPDATE_TEST_DIR/app" -type f | wc -l) files"
  t0=$(date +%s)
  if wait_for 900 is_available "$v1"; then
    t1=$(date +%s)
    pass "the Pi found $v1 on the LAN, downloaded and verified it ($(( t1 - t0 )) s after it was published)"
    echo "# release $v1: published to available (downloaded, verified) on the Pi: $(( t1 - t0 )) s"
  else
    fail "the Pi did not report $v1 as ready within 900 s (update: $(pi_update 'JSON.stringify(u)'))"; return 1
  fi
  out=$(updater_status 'r.current')
  check "the update helper answers on its socket, running $base (got: $out)" test "$out" = "$base"
  [ "$out" = "$base" ] || return 1
  check "the node offered $v1 to the update helper" waited 900 is_offered "$v1"
  # The helper hashes the whole release before it takes the offer: seconds on a Pi, minutes under TCG.
  echo "# release $v1: available to offered (the helper's check of the bundle): $(( $(date +%s) - t1 )) s"
  check "admin login again" test "$(admin_login_code "$password")" = 303
  upd_admin_get /admin/updates
  check "the Updates page shows $v1 waiting" grep -q "$v1" "$WORK/update-page.html"
  out=$(admin_install "$password" "$v1")
  check "Install now on the Updates page (HTTP $out)" test "$out" = 303; [ "$out" = 303 ] || update_journal
  if wait_for 900 is_running "$v1"; then
    t2=$(date +%s)
    pass "the Pi runs $v1: $(( t2 - t1 )) s from available to running"
    echo "# release $v1: available to running (staged, switched, node restarted and ready): $(( t2 - t1 )) s"
  else
    fail "the Pi did not run $v1 within 900 s"; vm_ssh pi 'sudo journalctl -u p2p-portal-updater --no-pager | tail -30' >&2
  fi
  check "$v1 passed its probation (helper history: installed $v1)" waited 600 has_history "installed $v1"
  check "current -> releases/$v1" test "$(vm_ssh pi readlink /opt/p2p-portal/current)" = "releases/$v1"
  check "the node's unit file is $v1's own now, and systemd has read it" test \
    "$(vm_ssh pi 'readlink -f /etc/systemd/system/p2p-portal.service; systemctl show -p NeedDaemonReload --value p2p-portal' | tr '\n' ' ')" \
    = "/opt/p2p-portal/releases/$v1/systemd/p2p-portal.service no "
  check "the seeded drive is still served after the update" test \
    "$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[pi]}/d/$seed_key/hello.txt")" = "Hello from the drive seeded into the p2p-portal test image."
  check "the admin password still logs in after the update" test "$(admin_login_code "$password")" = 303

  # b. A broken N+2 goes back to N+1 by itself.
  publish "$v2" broken "image test: $v2, broken on purpose"
  check "the Pi has $v2 ready" waited 600 is_available "$v2"
  check "the node offered $v2" waited 900 is_offered "$v2"
  t0=$(date +%s)
  out=$(admin_install "$password" "$v2")
  check "Install now of $v2 on the Updates page (HTTP $out)" test "$out" = 303; [ "$out" = 303 ] || update_journal
  if wait_for 900 has_history "rolled-back $v2"; then
    t1=$(date +%s)
    pass "the broken $v2 was rolled back by itself ($(( t1 - t0 )) s after the install began)"
  else
    fail "no rollback of $v2 within 900 s"; vm_ssh pi 'sudo journalctl -u p2p-portal-updater --no-pager | tail -30' >&2
  fi
  if wait_for 600 is_running "$v1"; then
    t2=$(date +%s)
    pass "$v1 serves again after the rollback"
    echo "# rollback: install of the broken $v2 to $v1 serving again: $(( t2 - t0 )) s"
  else
    fail "$v1 did not serve again within 600 s of the rollback"
  fi
  check "current -> releases/$v1 after the rollback" test "$(vm_ssh pi readlink /opt/p2p-portal/current)" = "releases/$v1"
  out=$(updater_status "r.bad['$v2']")
  check "$v2 is marked bad, with why ($out)" test -n "$out"

  # c. A power cut while the helper stages N+3.
  publish "$v3" full "image test: $v3, cut off while it is staged"
  check "the Pi has $v3 ready" waited 900 is_available "$v3"
  check "the node offered $v3" waited 900 is_offered "$v3"
  # The guest watches for the unfinished copy; the host pulls the plug the moment the watcher returns.
  vm_ssh pi 'for i in $(seq 3000); do ls -d /opt/p2p-portal/releases/*.partial 2>/dev/null && exit 0; sleep 0.1; done; exit 1' > "$WORK/staging.txt" &
  local watcher=$!
  out=$(admin_install "$password" "$v3")
  check "Install now of $v3 on the Updates page (HTTP $out)" test "$out" = 303; [ "$out" = 303 ] || update_journal
  if wait "$watcher"; then
    kill -9 "${VM_PID[pi]}"
    vm_wait_exit pi 30
    pass "QEMU killed while $(cat "$WORK/staging.txt") was being written"
  else
    fail "never saw $v3 being staged"
    vm_kill pi
  fi
  host_node_stop
}

# After the power cut: the next boot (boot-test.sh starts it) must serve the portal on N+1.
update_after_power_cut_checks() { # SEED_KEY V1 V3
  local seed_key=$1 v1=$2 v3=$3
  check "after the power cut, the Pi runs $v1" is_running "$v1"
  check "current -> releases/$v1 and no unfinished copy is left" test \
    "$(vm_ssh pi 'readlink /opt/p2p-portal/current; ls -d /opt/p2p-portal/releases/*.partial 2>/dev/null' | tr '\n' ' ')" = "releases/$v1 "
  # Whether the unfinished folder itself reached the card before the cut depends on the journal's commit; what it
  # did is printed, the checks are on what the card holds now.
  vm_ssh pi "sudo journalctl -b -u p2p-portal-update-recover --no-pager -o cat" 2>/dev/null | sed 's/^/# recover: /'
  check "the update recovery ran at boot" test "$(vm_ssh pi systemctl is-active p2p-portal-update-recover)" = active
  out=$(updater_status 'r.current + " " + Object.keys(r.bad).join(",")')
  check "the update helper runs $v1 with $v3 not installed and not marked bad (got: $out)" test "$out" = "$v1 ${v1%.*}.$(( ${v1##*.} + 1 ))"
  check "the seeded drive is served after the power cut" test \
    "$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[pi]}/d/$seed_key/hello.txt")" = "Hello from the drive seeded into the p2p-portal test image."
}
