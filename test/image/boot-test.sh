#!/bin/bash
# Boots the appliance image under QEMU (TCG, -M virt, cortex-a72, the image's own kernel and initrd) and
# checks it from outside, the way an organiser's first boot goes:
#   boot-partition config written with mtools, Raspberry Pi Imager customisation simulated (firstrun.sh +
#   systemd.run on cmdline.txt), first boot runs it and reboots, second boot serves the portal.
# Checks: multi-user.target with no failed units; the node unit active (READY=1 reached systemd); portal
# HTTP through a loopback forward serving the drive seeded into the image; watchdog restart after
# SIGSTOP; boot config and Imager settings applied; data area grown; hotspot with mac80211_hwsim and a
# phone (wpa_supplicant + udhcpc) that gets an address, the captive DNS answer and the 302; the admin page
# joining a venue network (wlan1 as its router), scanning and setting the hotspot through p2p-portal-netd.
#   boot-test.sh IMAGE.img SEED_KEY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/qemu-lib.sh"
image=${1:?usage: boot-test.sh IMAGE.img SEED_KEY}
seed_key=${2:?usage: boot-test.sh IMAGE.img SEED_KEY}
KERNEL=${image%.img}.vmlinuz INITRD=${image%.img}.initrd
WORK=$(mktemp -d "${TMPDIR:-/tmp}/p2p-image-test.XXXXXX")
. "$here/update-checks.sh"
trap 'cleanup_vms; update_cleanup; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"' EXIT
say "work dir $WORK"

ssh-keygen -q -t ed25519 -N '' -C image-test -f "$WORK/id_test"
disk=$WORK/pi.img
cp --sparse=always "$image" "$disk"
# A card larger than the image: first boot must grow the data area into the rest.
truncate -s +1G "$disk"
img_root_mib=$(( ($(stat -c %s "$image") - $(part_offset "$image" 2)) / 1048576 ))

cat > "$WORK/p2p-portal.txt" <<'CONF'
# written by the image test, as an organiser would on a laptop
name = Test Library
internet = off
max-total-size = 2G
hotspot-ssid = TestPortal
hotspot-password = phones-welcome
country = GB
admin-password = correct-horse-battery
colour = blue
CONF
boot_write "$disk" p2p-portal.txt "$WORK/p2p-portal.txt"
imager_customise "$disk" imaged-pi "$IMG_TEST_USER" "$(cat "$WORK/id_test.pub")" VenueWiFi

# Boot 1: Imager's customisation runs in kernel-command-line.target, then the Pi reboots (-no-reboot:
# QEMU exits).
t0=$(date +%s)
vm_start pi "$disk"
if vm_wait_exit pi 600; then
  vm_fail_if_qemu_failed pi
  [ -s "${VM_LOG[pi]}" ] || { fail "QEMU exited but the guest printed nothing on its console"; vm_explain pi; exit 1; }
  pass "first boot ran Imager's firstrun.sh and rebooted ($(( $(date +%s) - t0 )) s)"
else fail "first boot did not reboot within 600 s"; tail -30 "${VM_LOG[pi]}"; vm_kill pi; fi
cmdline=$(boot_read "$disk" cmdline.txt)
check "cmdline.txt no longer starts firstrun (systemd.run removed)" lacks systemd.run "$cmdline"
check "firstrun.sh removed from the boot partition" lacks firstrun "$(boot_ls "$disk")"

# Boot 2: the appliance; with a second NIC on the test LAN where a host node publishes updates (update-checks.sh).
lan_args=()
if update_checks_enabled; then update_lan_create; read -ra lan_args <<< "$(update_lan_qemu_args)"; fi
t1=$(date +%s)
vm_start pi "$disk" "${lan_args[@]}"
if vm_wait_http pi /api/status 600; then
  ready=$(( $(date +%s) - t1 ))
  pass "portal answers /api/status through the forward, ${ready} s after power-on"
  echo "# boot-to-portal-ready: ${ready} s (QEMU TCG, cortex-a72)"
else
  fail "portal did not answer within 600 s"; vm_explain pi; exit 1
fi
vm_wait_ssh pi 600 || { fail "no SSH as the Imager-made user within 600 s"; vm_explain pi; exit 1; }
pass "SSH works with the key Imager's customisation installed (user $IMG_TEST_USER)"

state=$(vm_ssh pi 'systemctl is-system-running --wait' 2>/dev/null)
check "system state is running (got: $state)" test "$state" = running
# Where the boot's time went: printed, not checked, so a slow boot on a CI host explains itself.
vm_ssh pi 'systemd-analyze time; systemd-analyze critical-chain p2p-portal.service' \
  2>/dev/null | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/^/# /'
failed=$(vm_ssh pi 'systemctl list-units --failed --plain --no-legend' 2>/dev/null)
check "no failed units${failed:+ (failed: $failed)}" test -z "$failed"
check "multi-user.target active" test "$(vm_ssh pi systemctl is-active multi-user.target)" = active
check "p2p-portal.service active (Type=notify: READY=1 reached systemd)" test "$(vm_ssh pi systemctl is-active p2p-portal.service)" = active
check "the node runs as its own user" test "$(vm_ssh pi 'ps -o user= -p $(systemctl show -p MainPID --value p2p-portal)' | tr -d ' ')" = p2p-portal
check "netd socket listening" test "$(vm_ssh pi systemctl is-active p2p-portal-netd.socket)" = active
nodeconf_early=$(vm_ssh pi cat /etc/p2p-portal/node.conf)
status_text=$(vm_ssh pi systemctl show -p StatusText --value p2p-portal)
check "the node's STATUS= reached systemd (\"$status_text\")" test -n "$status_text"

# Release layout: the app is a release under /opt/p2p-portal/releases/, run through the `current` link, and the units
# that run its code are the release's own.
app_version=$(node -p "require('$here/../../package.json').version")
check "current -> releases/$app_version" test "$(vm_ssh pi readlink /opt/p2p-portal/current)" = "releases/$app_version"
check "the node unit runs the release through current" has '/opt/p2p-portal/current/bin/p2p-portal.js' "$(vm_ssh pi systemctl show -p ExecStart p2p-portal)"
check "the node's unit file comes with the release (linked into current/systemd)" test \
  "$(vm_ssh pi 'readlink /etc/systemd/system/p2p-portal.service; readlink /etc/systemd/system/multi-user.target.wants/p2p-portal.service' | tr '\n' ' ')" \
  = "/opt/p2p-portal/current/systemd/p2p-portal.service /etc/systemd/system/p2p-portal.service "
check "update recovery ran before the node" test "$(vm_ssh pi systemctl is-active p2p-portal-update-recover.service)" = active
# The release's one addon, cross-compiled by build-app.sh: the node gives freed malloc memory back through it.
check "the release's malloc_trim addon loads in the Pi's Node" test "$(vm_ssh pi "node -p \"typeof require('/opt/p2p-portal/current/dist/native/linux-arm64/malloc-trim.node').trim\"")" = function
check "update helper socket for root and the node's group only" test "$(vm_ssh pi "stat -c '%a %U %G' /run/p2p-portal/updater.sock")" = "660 root p2p-portal"
release_key=$(cat "${UPDATE_TEST_DIR:-/nonexistent}/release-test.pub" 2>/dev/null)
check "node.conf has the release key baked into the image" has "^release-key = ${release_key:-missing}\$" "$nodeconf_early"

status=$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[pi]}/api/status")
drive_json=$(node -e 'const s=JSON.parse(process.argv[1]); const d=s.drives.find(d=>d.key===process.argv[2]); console.log(d?JSON.stringify(d):"")' "$status" "$seed_key")
check "seeded drive $seed_key listed in /api/status" test -n "$drive_json"
body=$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[pi]}/d/$seed_key/hello.txt")
check "seeded file served over HTTP from the image" test "$body" = "Hello from the drive seeded into the p2p-portal test image."
check "portal home page answers 200" test "$(http_code "http://127.0.0.1:${VM_HTTP[pi]}/")" = 200

# Boot-partition config and Imager customisation.
check "Imager hostname applied" test "$(vm_ssh pi cat /etc/hostname)" = imaged-pi
check "Imager user is uid 1000 with sudo" test "$(vm_ssh pi 'id -u; sudo -n id -u' | tr '\n' ' ')" = "1000 0 "
check "Imager Wi-Fi imported into NetworkManager" vm_ssh pi "sudo grep -q '^ssid=VenueWiFi' /etc/NetworkManager/system-connections/preconfigured.nmconnection"
nodeconf=$(vm_ssh pi cat /etc/p2p-portal/node.conf)
check "node.conf has the boot file's name" grep -q '^name = Test Library$' <<< "$nodeconf"
check "node.conf has internet = off" has '^internet = off$' "$nodeconf"
check "node.conf has the disk cap" has '^max-total-size = 2G$' "$nodeconf"
check "node reports the configured name in /api/status" has '"Test Library"' "$status"
check "admin password stored 0600 for the node user" test "$(vm_ssh pi 'sudo stat -c "%a %U" /var/lib/p2p-portal/admin-password')" = "600 p2p-portal"
check "admin password removed from the boot partition" lacks correct-horse "$(vm_ssh pi cat /boot/firmware/p2p-portal.txt)"
check "unknown key reported in p2p-portal-errors.txt on the boot partition" has colour "$(vm_ssh pi cat /boot/firmware/p2p-portal-errors.txt 2>&1)"
check "hotspot profile written with the configured SSID" vm_ssh pi "sudo grep -q '^ssid=TestPortal' /etc/NetworkManager/system-connections/p2p-portal-hotspot.nmconnection"
root_mib=$(vm_ssh pi "df -m --output=size / | tail -1" | tr -d ' ')
check "data area grown to the card (${img_root_mib} MiB partition -> ${root_mib} MiB filesystem)" test "$root_mib" -gt $(( img_root_mib + 700 ))
check "SSH host keys generated on the device" vm_ssh pi "test -s /etc/ssh/ssh_host_ed25519_key.pub"
# Asked once, this failed one fresh-clone run of 2026-12-03 and passed the run before it, whose code differed only
# by a refactor inside the node's garbage pacer. The name Raspberry Pi Imager set is answered only once avahi has
# probed and announced it, which a busy VM may not have done yet. So it waits up to 60 s for an answer, and a
# failure says what avahi was doing.
# (Each unanswered lookup itself waits for nss-mdns's timeout, hence a deadline rather than a count.)
if vm_ssh pi "end=\$((\$(date +%s) + 60)); until getent hosts imaged-pi.local | grep -q .; do [ \$(date +%s) -lt \$end ] || exit 1; sleep 1; done"; then
  pass "avahi answers for imaged-pi.local (nss-mdns)"
else
  fail "avahi answers for imaged-pi.local (nss-mdns)"
  vm_ssh pi "hostname; systemctl is-active avahi-daemon; sudo journalctl -u avahi-daemon -n 30 --no-pager" 2>&1 | sed 's/^/# /'
fi
check "journal kept in memory only" vm_ssh pi "sudo find /run/log/journal -name '*.journal' | grep -q . && ! sudo find /var/log/journal -name '*.journal' 2>/dev/null | grep -q ."

# IMAGE_TEST_ONLY_UPDATES=1 (local iteration on the update checks only) leaves out the watchdog, hotspot and admin
# Wi-Fi checks; CI runs them all.
if [ "${IMAGE_TEST_ONLY_UPDATES:-0}" != 1 ]; then
# Watchdog: a frozen node stops pinging; systemd must kill and restart it.
pid=$(vm_ssh pi systemctl show -p MainPID --value p2p-portal)
restarts=$(vm_ssh pi systemctl show -p NRestarts --value p2p-portal)
vm_ssh pi "sudo kill -STOP $pid"
tw=$(date +%s) newpid=$pid
while [ $(( $(date +%s) - tw )) -lt 600 ]; do
  sleep 3
  newpid=$(vm_ssh pi systemctl show -p MainPID --value p2p-portal 2>/dev/null)
  [ -n "$newpid" ] && [ "$newpid" != 0 ] && [ "$newpid" != "$pid" ] && \
    [ "$(vm_ssh pi systemctl is-active p2p-portal)" = active ] && break
done
check "watchdog restarted the SIGSTOPped node (pid $pid -> $newpid in $(( $(date +%s) - tw )) s)" \
  test "$newpid" != "$pid" -a "$(vm_ssh pi systemctl show -p NRestarts --value p2p-portal)" -gt "$restarts"
check "journal names the watchdog as the reason" vm_ssh pi "sudo journalctl -u p2p-portal --no-pager | grep -qi watchdog"
check "portal serves again after the watchdog restart" vm_wait_http pi /api/status 600

# Hotspot with virtual radios: wlan0 runs the access point, a phone on wlan1 in its own namespace.
. "$here/hotspot-checks.sh"
hotspot_checks pi TestPortal phones-welcome

# The admin page's Wi-Fi forms through the real helper, NetworkManager and radios: join a venue network, scan,
# set the hotspot again.
. "$here/admin-wifi-checks.sh"
admin_wifi_checks pi correct-horse-battery
fi

# Updates over the LAN: N+1 installed, a broken N+2 rolled back, and the power cut in the middle of N+3's install
# (QEMU killed) that the next boot must recover from.
if update_checks_enabled; then
  tu=$(date +%s)
  update_checks correct-horse-battery "$seed_key" "$app_version"
  echo "# update scenarios (a, b, c up to the power cut): $(( $(date +%s) - tu )) s"
  vm_kill pi
else
  vm_ssh pi 'sudo systemctl poweroff' 2>/dev/null
  vm_wait_exit pi 300 && pass "clean power-off" || fail "power-off did not finish in 300 s"
fi

# An ordinary start, as every day after the first (after the update checks: after a power cut): power-on to portal
# ready.
t2=$(date +%s)
vm_start pi "$disk"
if vm_wait_http pi /api/status 600; then
  pass "later boot: portal ready $(( $(date +%s) - t2 )) s after power-on"
  echo "# boot-to-portal-ready (later boots): $(( $(date +%s) - t2 )) s"
else
  fail "later boot: portal did not answer within 600 s"
fi
if update_checks_enabled; then
  v=${app_version%.*}
  update_after_power_cut_checks "$seed_key" "$v.$(( ${app_version##*.} + 1 ))" "$v.$(( ${app_version##*.} + 3 ))"
  vm_wait_ssh pi 600 && vm_ssh pi 'sudo systemctl poweroff' 2>/dev/null
  vm_wait_exit pi 300 && pass "clean power-off" || fail "power-off did not finish in 300 s"
else
  vm_wait_ssh pi 600 && vm_ssh pi 'sudo systemctl poweroff' 2>/dev/null
  vm_wait_exit pi 300 || vm_kill pi
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
