# Functions for /usr/lib/p2p-portal/setup (sourced). Each one logs a single line per thing it changed.

NODE_CONF=${P2P_NODE_CONF:-/etc/p2p-portal/node.conf}
# Settings baked in by the image build (the release key): not the organiser's to change.
NODE_DEFAULTS=${P2P_NODE_DEFAULTS:-/usr/lib/p2p-portal/node-defaults.conf}
NM_DIR=${P2P_NM_DIR:-/etc/NetworkManager/system-connections}
DATA_DIR=/var/lib/p2p-portal
HOTSPOT_ADDR=10.42.0.1

# Keys passed through to the node as they are (the node validates their values).
NODE_KEYS=" name internet max-total-size max-drive-size captive portal-host mirror log-level follow deny mdns-interfaces "
# Keys this script handles itself.
OS_KEYS=" hostname hotspot hotspot-ssid hotspot-password country admin-password "

# Ed25519 and ECDSA only (sshd_config.d/p2p-portal.conf): RSA key generation takes minutes on a Pi
# Zero 2 W's first boot and every current client speaks Ed25519.
ensure_ssh_host_keys() {
  local t made=
  for t in ed25519 ecdsa; do
    if [ ! -s "/etc/ssh/ssh_host_${t}_key" ]; then
      ssh-keygen -q -t "$t" -N '' -C "root@p2p-portal" -f "/etc/ssh/ssh_host_${t}_key" && made+=" $t"
    fi
  done
  [ -n "$made" ] && echo "generated this device's SSH host keys:$made"
  return 0
}

grow_root_partition() {
  local src name part disk before
  src=$(findmnt -no SOURCE /) || return 1
  name=$(basename "$(readlink -f "$src")")
  [ -r "/sys/class/block/$name/partition" ] || { echo "root $src is not a partition: not growing"; return 0; }
  part=$(cat "/sys/class/block/$name/partition")
  disk=/dev/$(basename "$(readlink -f "/sys/class/block/$name/..")")
  before=$(df -h --output=size / | tail -1 | tr -d ' ')
  # The kernel keeps using the old table until told: sfdisk rewrites it, partx tells the kernel.
  echo ', +' | sfdisk --quiet --no-reread --no-tell-kernel -N "$part" "$disk" >/dev/null 2>&1 || true
  partx -u -n "$part" "$disk" 2>/dev/null || true
  if resize2fs "$src" >/dev/null 2>&1; then
    echo "data area: $before -> $(df -h --output=size / | tail -1 | tr -d ' ') ($src)"
    return 0
  fi
  echo "could not grow $src; the data area stays $before"
  return 1
}

# Writes $2 to $1 atomically (temp file, fsync, rename), with mode $3.
write_file() {
  local path=$1 content=$2 mode=${3:-0644} tmp
  tmp=$(mktemp "$(dirname "$path")/.tmp.XXXXXX")
  printf '%s' "$content" > "$tmp"
  chmod "$mode" "$tmp"
  sync "$tmp" 2>/dev/null || true
  mv -f "$tmp" "$path"
}

is_on() { case "${1,,}" in on|yes|true|1) return 0 ;; *) return 1 ;; esac; }
is_bool() { case "${1,,}" in on|off|yes|no|true|false|1|0) return 0 ;; *) return 1 ;; esac; }

apply_boot_config() {
  local file=$1 errors=() node_lines=() line key value n=0
  declare -A os=()
  if [ -f "$file" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      n=$((n + 1))
      line=${line%$'\r'}
      line=${line#$'\xef\xbb\xbf'}
      line="${line#"${line%%[![:space:]]*}"}"
      case "$line" in ''|'#'*|';'*) continue ;; esac
      if [[ "$line" != *=* ]]; then errors+=("line $n: \"$line\" is not \"key = value\""); continue; fi
      key=${line%%=*}; value=${line#*=}
      key=$(echo "$key" | tr -d '[:space:]' | tr 'A-Z_' 'a-z-')
      value="${value#"${value%%[![:space:]]*}"}"; value="${value%"${value##*[![:space:]]}"}"
      if [[ "$value" =~ ^\".*\"$ || "$value" =~ ^\'.*\'$ ]]; then value=${value:1:-1}; fi
      [ -z "$value" ] && continue
      if [[ "$NODE_KEYS" == *" $key "* ]]; then
        node_lines+=("$key = $value")
      elif [[ "$OS_KEYS" == *" $key "* ]]; then
        os[$key]=$value
      else
        errors+=("line $n: unknown setting \"$key\" (ignored). Known: ${NODE_KEYS# }${OS_KEYS# }")
      fi
    done < "$file"
  fi

  local hostname=${os[hostname]:-}
  if [ -n "$hostname" ]; then
    if [[ "$hostname" =~ ^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$ ]]; then
      set_hostname "$hostname"
    else
      errors+=("hostname \"$hostname\" is not valid: use letters, digits and dashes, e.g. library-pi")
    fi
  fi

  local name
  name=$(printf '%s\n' "${node_lines[@]}" | sed -n 's/^name = //p' | tail -1)
  local hotspot=${os[hotspot]:-on} ssid=${os[hotspot-ssid]:-${name:-$(cat /etc/hostname 2>/dev/null || echo p2p-portal)}} psk=${os[hotspot-password]:-}
  if ! is_bool "$hotspot"; then errors+=("hotspot = \"$hotspot\": use on or off"); hotspot=on; fi
  if [ -n "$psk" ] && { [ ${#psk} -lt 8 ] || [ ${#psk} -gt 63 ]; }; then
    errors+=("hotspot-password must be 8 to 63 characters (or empty for an open network): hotspot left open")
    psk=
  fi
  if [ ${#ssid} -gt 32 ]; then errors+=("hotspot-ssid is longer than 32 bytes: cut to \"${ssid:0:32}\""); ssid=${ssid:0:32}; fi
  if [ -n "${os[country]:-}" ]; then
    if [[ "${os[country]}" =~ ^[A-Za-z]{2}$ ]]; then
      write_file /etc/modprobe.d/p2p-portal-wifi-country.conf "options cfg80211 ieee80211_regdom=${os[country]^^}"$'\n'
      # cfg80211 is usually loaded by now: the modprobe option covers later boots, iw this one.
      iw reg set "${os[country]^^}" 2>/dev/null || true
      echo "Wi-Fi country: ${os[country]^^}"
    else
      errors+=("country \"${os[country]}\" is not a two-letter code such as GB or DE")
    fi
  fi
  if is_on "$hotspot"; then
    write_hotspot_profile "$ssid" "$psk"
    echo "hotspot on wlan0: \"$ssid\" ($([ -n "$psk" ] && echo WPA2 || echo open)), portal at http://$HOTSPOT_ADDR/"
  else
    rm -f "$NM_DIR/p2p-portal-hotspot.nmconnection"
    echo "hotspot off"
  fi

  local conf="# Written by p2p-portal-setup from $file; edit that file (or the admin page), not this one."$'\n'
  # Image defaults first; the node takes the last value of a key, so the organiser's lines win.
  # No name: the node then uses the hostname, which is also what <name>.local answers to.
  if is_on "$hotspot"; then
    conf+="captive = on"$'\n'"portal-host = $HOTSPOT_ADDR"$'\n'
  fi
  if [ -s "$NODE_DEFAULTS" ]; then conf+="$(grep -v '^#' "$NODE_DEFAULTS")"$'\n'; fi
  local l
  for l in "${node_lines[@]}"; do conf+="$l"$'\n'; done

  if [ -n "${os[admin-password]:-}" ]; then
    install -d -o p2p-portal -g p2p-portal -m 0750 "$DATA_DIR"
    write_file "$DATA_DIR/admin-password" "${os[admin-password]}" 0600
    chown p2p-portal:p2p-portal "$DATA_DIR/admin-password"
    # Not left in clear text on a partition any laptop can read.
    sed -i 's/^\([[:space:]]*admin[-_]password[[:space:]]*=\).*$/# admin-password was set on the Pi and removed from this file; write a new one here to change it\n#\1/I' "$file"
    echo "admin password stored in $DATA_DIR/admin-password"
  fi
  if [ -s "$DATA_DIR/admin-password" ]; then
    conf+="admin-password-file = $DATA_DIR/admin-password"$'\n'
  fi
  mkdir -p "$(dirname "$NODE_CONF")"
  write_file "$NODE_CONF" "$conf" 0644
  echo "node settings written to $NODE_CONF (${#node_lines[@]} from $file)"

  local errfile
  errfile="$(dirname "$file")/p2p-portal-errors.txt"
  if [ ${#errors[@]} -gt 0 ]; then
    local e
    for e in "${errors[@]}"; do echo "p2p-portal.txt: $e" >&2; done
    [ -d "$(dirname "$file")" ] && printf 'Problems found in p2p-portal.txt when the Pi last started:\r\n%s\r\n' \
      "$(printf '%s\r\n' "${errors[@]}")" > "$errfile"
  else
    rm -f "$errfile"
  fi
}

set_hostname() {
  local new=$1 old
  old=$(cat /etc/hostname 2>/dev/null)
  [ "$new" = "$old" ] && return 0
  echo "$new" > /etc/hostname
  if grep -q '^127\.0\.1\.1' /etc/hosts; then
    sed -i "s/^127\.0\.1\.1.*/127.0.1.1\t$new/" /etc/hosts
  else
    printf '127.0.1.1\t%s\n' "$new" >> /etc/hosts
  fi
  echo "$new" > /proc/sys/kernel/hostname 2>/dev/null || true
  echo "hostname: $new (reachable as $new.local)"
}

write_hotspot_profile() {
  local ssid=$1 psk=$2 body
  body="# Written by p2p-portal-setup: the hotspot phones join. See /boot/firmware/p2p-portal.txt.
[connection]
id=p2p-portal-hotspot
uuid=7d5ad3b4-3a52-4bd0-9a5c-0c3f2d2f6e01
type=wifi
interface-name=wlan0
autoconnect=true
# A Wi-Fi network joined through Imager or the admin page takes priority when it is in range.
autoconnect-priority=-10

[wifi]
mode=ap
ssid=$ssid
band=bg
channel=6
ap-isolation=1
"
  if [ -n "$psk" ]; then
    body+="
[wifi-security]
key-mgmt=wpa-psk
proto=rsn
pairwise=ccmp
group=ccmp
psk=$psk
"
  fi
  body+="
[ipv4]
method=shared
address1=$HOTSPOT_ADDR/24

[ipv6]
method=disabled
"
  mkdir -p "$NM_DIR"
  write_file "$NM_DIR/p2p-portal-hotspot.nmconnection" "$body" 0600
}
