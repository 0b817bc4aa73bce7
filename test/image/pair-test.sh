#!/bin/bash
# Two booted images on one virtual Ethernet segment (QEMU socket netdev, link-local IPv4 as on a switch
# with no DHCP server) find each other over mDNS and mirror a drive:
#   pair-test.sh IMAGE.img SEED_KEY
# Pi "a" keeps the drive seeded into the image; pi "b" starts with an empty library (its seeded data is
# removed over SSH so it has its own node identity) and must mirror a's drive and serve its files.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/qemu-lib.sh"
image=${1:?usage: pair-test.sh IMAGE.img SEED_KEY}
seed_key=${2:?usage: pair-test.sh IMAGE.img SEED_KEY}
KERNEL=${image%.img}.vmlinuz INITRD=${image%.img}.initrd
WORK=$(mktemp -d "${TMPDIR:-/tmp}/p2p-image-pair.XXXXXX")
trap 'cleanup_vms; [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"' EXIT
ssh-keygen -q -t ed25519 -N '' -C image-test -f "$WORK/id_test"
lan_port=$(free_port)
VM_SMP=1

for n in a b; do
  cp --sparse=always "$image" "$WORK/$n.img"
  printf 'name = Pi %s\nhostname = pi-%s\ninternet = off\nhotspot = off\nmdns-interfaces = eth1\n' "${n^^}" "$n" > "$WORK/$n.txt"
  boot_write "$WORK/$n.img" p2p-portal.txt "$WORK/$n.txt"
  # Imager names it imager-a; the boot file's "hostname = pi-a" must win (applied after firstrun).
  imager_customise "$WORK/$n.img" "imager-$n" "$IMG_TEST_USER" "$(cat "$WORK/id_test.pub")" VenueWiFi
done
# Imager's first boot (runs firstrun.sh, reboots) for both, one after the other to spare the CPU.
for n in a b; do
  vm_start "$n" "$WORK/$n.img"
  vm_wait_exit "$n" 600 || { fail "first boot of $n did not finish"; exit 1; }
  vm_fail_if_qemu_failed "$n"
done

t0=$(date +%s)
vm_start a "$WORK/a.img" -netdev "socket,id=lan,listen=127.0.0.1:$lan_port" -device virtio-net-pci,romfile=,netdev=lan,mac=52:54:00:50:32:0a
sleep 2
vm_start b "$WORK/b.img" -netdev "socket,id=lan,connect=127.0.0.1:$lan_port" -device virtio-net-pci,romfile=,netdev=lan,mac=52:54:00:50:32:0b
for n in a b; do
  vm_wait_ssh "$n" 900 || { fail "pi $n: no SSH"; vm_explain "$n"; exit 1; }
done
pass "both images booted with SSH up ($(( $(date +%s) - t0 )) s for two VMs on shared CPUs)"

for n in a b; do
  check "pi $n: hostname from p2p-portal.txt overrides Imager's" test "$(vm_ssh "$n" cat /etc/hostname)" = "pi-$n"
  check "pi $n: hotspot = off leaves no hotspot profile" vm_ssh "$n" "! sudo test -e /etc/NetworkManager/system-connections/p2p-portal-hotspot.nmconnection"
  check "pi $n: no failed units" test -z "$(vm_ssh "$n" systemctl list-units --failed --plain --no-legend)"
done
# b gets its own identity and an empty library.
vm_ssh b 'sudo systemctl stop p2p-portal && sudo rm -rf /var/lib/p2p-portal/data'
for n in a b; do
  vm_ssh "$n" "sudo nmcli -w 30 connection add type ethernet ifname eth1 con-name lan ipv4.method link-local ipv6.method disabled >/dev/null && sudo nmcli -w 30 connection up lan >/dev/null"
done
vm_ssh a 'sudo systemctl restart p2p-portal'
vm_ssh b 'sudo systemctl start p2p-portal'
check "pi a portal up on its LAN address" vm_wait_http a /api/status 300
check "pi b portal up" vm_wait_http b /api/status 300

tm=$(date +%s) mirrored=
while [ $(( $(date +%s) - tm )) -lt 300 ]; do
  mirrored=$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[b]}/api/status" | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      try { const d = JSON.parse(s).drives.find(d => d.key === process.argv[1]);
            if (d && !d.own && d.bytes > 0 && d.localBytes >= d.bytes) console.log(JSON.stringify(d)) } catch {} })' "$seed_key")
  [ -n "$mirrored" ] && break
  sleep 5
done
check "pi b found pi a over mDNS and mirrored drive $seed_key ($(( $(date +%s) - tm )) s)" test -n "$mirrored"
body=$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[b]}/d/$seed_key/hello.txt")
check "pi b serves the mirrored file" test "$body" = "Hello from the drive seeded into the p2p-portal test image."
peers=$(curl -s -m 10 "http://127.0.0.1:${VM_HTTP[b]}/api/status" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s).peers.length)}catch{console.log(0)}})')
check "pi b lists pi a as a peer" test "${peers:-0}" -ge 1
for n in a b; do vm_ssh "$n" 'sudo systemctl poweroff' 2>/dev/null; done
for n in a b; do vm_wait_exit "$n" 120 || vm_kill "$n"; done
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
