# Helpers for the image tests (sourced): boot an image under qemu-system-aarch64 -M virt (TCG) with its
# own kernel and initrd, reach it through loopback-only host forwards, read and write its boot partition.
# Every check talks to the guest from outside: HTTP through the forward, SSH as the Imager-made user.

IMG_TEST_USER=${IMG_TEST_USER:-organiser}
declare -A VM_PID VM_SSH VM_HTTP VM_CONTENT VM_LOG VM_DISK VM_RC
PASSED=0 FAILED=0

say() { echo "[image-test] $*" >&2; }
pass() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
fail() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
has() { grep -q -- "$1" <<< "$2"; }
lacks() { ! grep -qi -- "$1" <<< "$2"; }
check() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }

# A free TCP port on 127.0.0.1 in an unusual range.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 42000 + RANDOM % 8000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  return 1
}

# Byte offset of partition N of a raw image.
part_offset() { sfdisk -J "$1" | node -e "const t=JSON.parse(require('fs').readFileSync(0)).partitiontable; console.log(t.partitions[$2-1].start*(t.sectorsize||512))"; }
boot_mtools() { echo "$1@@$(part_offset "$1" 1)"; }
boot_read() { mtype -i "$(boot_mtools "$1")" "::$2"; }
boot_write() { mcopy -o -i "$(boot_mtools "$1")" "$3" "::$2"; }
boot_ls() { mdir -b -i "$(boot_mtools "$1")" ::/ 2>/dev/null; }

# vm_start NAME DISK [extra qemu args...]: boots the image's kernel with the image's own cmdline.txt
# (console moved to the virt board's UART), so whatever Imager appended there takes effect.
vm_start() {
  local name=$1 disk=$2; shift 2
  local cmdline
  cmdline=$(boot_read "$disk" cmdline.txt | tr -d '\r\n' | sed -e 's/console=[^ ]*//g' -e 's/  */ /g')
  VM_SSH[$name]=${VM_SSH[$name]:-$(free_port)}
  VM_HTTP[$name]=${VM_HTTP[$name]:-$(free_port)}
  VM_CONTENT[$name]=${VM_CONTENT[$name]:-$(free_port)}
  VM_LOG[$name]=$WORK/$name.console.log
  VM_DISK[$name]=$disk
  say "booting $name: ssh 127.0.0.1:${VM_SSH[$name]} http 127.0.0.1:${VM_HTTP[$name]} (cmdline: $cmdline)"
  # romfile= : the kernel is booted directly, so the NIC needs no option ROM (PXE). With one, QEMU looks for
  # efi-virtio.rom from ipxe-qemu, which --no-install-recommends leaves out, and exits before the guest starts.
  # stdout/stderr go to files: qemu inherits the launcher's descriptors, and a pipe would hang the caller.
  qemu-system-aarch64 -M virt -cpu cortex-a72 -smp "${VM_SMP:-2}" -m "${VM_MEM:-1024}" -accel tcg,thread=multi \
    -kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyAMA0 $cmdline" \
    -drive "file=$disk,format=raw,if=none,id=hd0,cache=unsafe" -device virtio-blk-pci,drive=hd0 \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:${VM_SSH[$name]}-:22,hostfwd=tcp:127.0.0.1:${VM_HTTP[$name]}-:80,hostfwd=tcp:127.0.0.1:${VM_CONTENT[$name]}-:81" \
    -device virtio-net-pci,netdev=n0,romfile= -device virtio-rng-pci \
    -display none -monitor none -serial "file:${VM_LOG[$name]}" -no-reboot "$@" \
    </dev/null >>"$WORK/$name.qemu.log" 2>&1 &
  VM_PID[$name]=$!
}

vm_running() { kill -0 "${VM_PID[$1]}" 2>/dev/null; }
vm_wait_exit() { # NAME SECONDS: 0 once QEMU has exited (its exit code in VM_RC[NAME]), 1 if still running
  local i
  for i in $(seq "$2"); do
    if ! vm_running "$1"; then VM_RC[$1]=0; wait "${VM_PID[$1]}" 2>/dev/null || VM_RC[$1]=$?; return 0; fi
    sleep 1
  done
  return 1
}
# QEMU itself failed (a missing ROM or firmware, a bad option): it exits non-zero, usually at once, and the
# guest's console stays empty. Say so with QEMU's own words and stop, instead of timing out check by check.
vm_fail_if_qemu_failed() { # NAME
  [ "${VM_RC[$1]:-0}" = 0 ] && return 0
  fail "QEMU exited with code ${VM_RC[$1]} (not a guest reboot); its output:"
  sed 's/^/#   /' "$WORK/$1.qemu.log" >&2
  exit 1
}
vm_kill() { if vm_running "$1"; then kill "${VM_PID[$1]}"; vm_wait_exit "$1" 20 || kill -9 "${VM_PID[$1]}"; fi; }

# ConnectTimeout also bounds SSH's banner exchange and key exchange. On a slow or busy host the emulated
# CPU, still starting services after boot, can need tens of seconds for them: a short timeout there fails
# every attempt, each abandoned attempt leaves the guest more work, and SSH never comes up (seen in CI).
vm_ssh_as() { # NAME SSH_OPTION... -- COMMAND...
  local name=$1 opts=(); shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done; shift
  ssh -i "$WORK/id_test" -p "${VM_SSH[$name]}" -o BatchMode=yes -o StrictHostKeyChecking=no \
    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=120 -o ServerAliveInterval=15 -o ServerAliveCountMax=8 \
    "${opts[@]}" "$IMG_TEST_USER@127.0.0.1" "$@"
}
vm_ssh() { local name=$1; shift; vm_ssh_as "$name" -q -o LogLevel=ERROR -- "$@"; }
vm_wait_ssh() { # NAME SECONDS
  local deadline=$(( $(date +%s) + $2 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    vm_running "$1" || return 1
    vm_ssh "$1" true 2>/dev/null && return 0
    sleep 3
  done
  return 1
}
# After a wait failed: what one verbose SSH attempt and the guest's console last showed, so a CI log says why.
vm_explain() { # NAME
  if ! vm_running "$1"; then
    wait "${VM_PID[$1]}" 2>/dev/null; say "$1: QEMU is not running (exit code $?); its output:"
    sed 's/^/#   /' "$WORK/$1.qemu.log" >&2
  fi
  say "$1: one verbose SSH attempt:"
  vm_ssh_as "$1" -v -- true 2>&1 | tail -12 >&2
  say "$1: console, last 40 lines:"
  tail -40 "${VM_LOG[$1]}" | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e 's/\r//g' >&2
}
http_code() { curl -s -o /dev/null -m 10 -w '%{http_code}' "$@"; }
vm_wait_http() { # NAME PATH SECONDS
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    vm_running "$1" || return 1
    [ "$(http_code "http://127.0.0.1:${VM_HTTP[$1]}$2")" = 200 ] && return 0
    sleep 2
  done
  return 1
}

# Writes a firstrun.sh shaped like the one Raspberry Pi Imager (1.8) writes for OS customisation with
# hostname, user + password, SSH public key, Wi-Fi and time zone, and appends its "systemd.run" arguments
# to cmdline.txt, exactly as Imager does. Its commands take the non-Raspberry-Pi-OS fallback branches.
imager_customise() { # DISK HOSTNAME USER PUBKEY WIFI_SSID
  local disk=$1 host=$2 user=$3 key=$4 ssid=$5 hash
  hash=$(openssl passwd -5 -salt imagertest 'not-a-real-password')
  cat > "$WORK/firstrun.sh" <<FIRSTRUN
#!/bin/bash

set +e

CURRENT_HOSTNAME=\`cat /etc/hostname | tr -d " \t\n\r"\`
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_hostname $host
else
   echo $host >/etc/hostname
   sed -i "s/127.0.1.1.*\$CURRENT_HOSTNAME/127.0.1.1\t$host/g" /etc/hosts
fi
FIRSTUSER=\`getent passwd 1000 | cut -d: -f1\`
FIRSTUSERHOME=\`getent passwd 1000 | cut -d: -f6\`
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom enable_ssh -k '$key'
else
   install -o "\$FIRSTUSER" -m 700 -d "\$FIRSTUSERHOME/.ssh"
   install -o "\$FIRSTUSER" -m 600 <(printf "$key") "\$FIRSTUSERHOME/.ssh/authorized_keys"
   echo 'PasswordAuthentication no' >>/etc/ssh/sshd_config
   systemctl enable ssh
fi
if [ -f /usr/lib/userconf-pi/userconf ]; then
   /usr/lib/userconf-pi/userconf '$user' '$hash'
else
   echo "\$FIRSTUSER:"'$hash' | chpasswd -e
   if [ "\$FIRSTUSER" != "$user" ]; then
      usermod -l "$user" "\$FIRSTUSER"
      usermod -m -d "/home/$user" "$user"
      groupmod -n "$user" "\$FIRSTUSER"
      if grep -q "^autologin-user=" /etc/lightdm/lightdm.conf ; then
         sed /etc/lightdm/lightdm.conf -i -e "s/^autologin-user=.*/autologin-user=$user/"
      fi
      if [ -f /etc/systemd/system/getty@tty1.service.d/autologin.conf ]; then
         sed /etc/systemd/system/getty@tty1.service.d/autologin.conf -i -e "s/\$FIRSTUSER/$user/"
      fi
      if [ -f /etc/sudoers.d/010_pi-nopasswd ]; then
         sed -i "s/^\$FIRSTUSER /$user /" /etc/sudoers.d/010_pi-nopasswd
      fi
   fi
fi
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_wlan '$ssid' '4f1a2c7e9b0d3e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f' 'GB'
else
cat >/etc/wpa_supplicant/wpa_supplicant.conf <<'WPAEOF'
country=GB
ctrl_interface=DIR=/var/run/wpa_supplicant GROUP=netdev
ap_scan=1

update_config=1
network={
	ssid="$ssid"
	psk=4f1a2c7e9b0d3e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f
}

WPAEOF
   chmod 600 /etc/wpa_supplicant/wpa_supplicant.conf
   rfkill unblock wifi
   for filename in /var/lib/systemd/rfkill/*:wlan ; do
       echo 0 > \$filename
   done
fi
if [ -f /usr/lib/raspberrypi-sys-mods/imager_custom ]; then
   /usr/lib/raspberrypi-sys-mods/imager_custom set_keymap 'gb'
   /usr/lib/raspberrypi-sys-mods/imager_custom set_timezone 'Europe/London'
else
   rm -f /etc/localtime
   echo "Europe/London" >/etc/timezone
   dpkg-reconfigure -f noninteractive tzdata
fi
rm -f /boot/firstrun.sh
sed -i 's| systemd.run.*||g' /boot/cmdline.txt
exit 0
FIRSTRUN
  boot_write "$disk" firstrun.sh "$WORK/firstrun.sh"
  boot_read "$disk" cmdline.txt | tr -d '\r\n' > "$WORK/cmdline.txt"
  echo " systemd.run=/boot/firstrun.sh systemd.run_success_action=reboot systemd.unit=kernel-command-line.target" >> "$WORK/cmdline.txt"
  boot_write "$disk" cmdline.txt "$WORK/cmdline.txt"
}

cleanup_vms() { local n; for n in "${!VM_PID[@]}"; do vm_kill "$n"; done; }
