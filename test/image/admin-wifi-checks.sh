# Wi-Fi from the admin page, for real (sourced by boot-test.sh, after hotspot_checks): the organiser's forms go
# through the node, the root helper p2p-portal-netd (socket-activated), node-wifi and nmcli, to NetworkManager
# and the virtual radio. The "phone" namespace's radio (wlan1, from hotspot_checks) now plays the venue's
# router: wpa_supplicant in access-point mode with WPA2, and dnsmasq handing out addresses.
VENUE_SSID='Venue Hall: Wi-Fi'
VENUE_PSK='venue-pass-2026'

admin_wifi_checks() { # VM ADMIN_PASSWORD
  local vm=$1 password=$2 base jar page code out
  base=http://127.0.0.1:${VM_HTTP[$vm]}
  jar=$WORK/admin-cookies.txt

  out=$(vm_ssh "$vm" "sudo bash -s" <<VENUE 2>&1
set -u
ip netns exec phone ip addr flush dev wlan1
ip netns exec phone ip addr add 192.168.77.1/24 dev wlan1
cat > /run/venue-ap.conf <<'WPA'
ctrl_interface=/run/venue-ap
network={
  ssid="$VENUE_SSID"
  mode=2
  frequency=2437
  key_mgmt=WPA-PSK
  proto=RSN
  pairwise=CCMP
  group=CCMP
  psk="$VENUE_PSK"
}
WPA
ip netns exec phone wpa_supplicant -B -D nl80211 -i wlan1 -c /run/venue-ap.conf -P /run/venue-ap.pid >/dev/null
ip netns exec phone dnsmasq --conf-file=/dev/null --port=0 --interface=wlan1 --bind-interfaces --user=root \
  --dhcp-range=192.168.77.10,192.168.77.50,1h --dhcp-leasefile=/run/venue.leases --pid-file=/run/venue-dnsmasq.pid
# wpa_supplicant scans the channel before it starts the access point: a few seconds.
for i in \$(seq 60); do
  ip netns exec phone wpa_cli -i wlan1 -p /run/venue-ap status 2>/dev/null | grep -q '^wpa_state=COMPLETED' && break
  sleep 1
done
echo "venue: \$(ip netns exec phone wpa_cli -i wlan1 -p /run/venue-ap status 2>/dev/null | grep -E '^(wpa_state|mode)=' | tr '\n' ' ')"
VENUE
)
  echo "$out" | sed 's/^/# /'

  admin_get() { curl -s -m 60 -b "$jar" -c "$jar" "$base$1"; }
  admin_post() { # PATH [FIELD=VALUE...]: posts with the CSRF token of the last page read; prints the status code
    local path=$1 args=() f; shift
    for f in "_csrf=$(csrf_of "$WORK/admin-page.html")" "$@"; do args+=(--data-urlencode "$f"); done
    curl -s -m 180 -b "$jar" -c "$jar" -H "Origin: $base" -o "$WORK/admin-page.html" -w '%{http_code}' "${args[@]}" "$base$path"
  }
  csrf_of() { grep -o 'name="_csrf" value="[^"]*"' "$1" | head -1 | sed -e 's/.*value="//' -e 's/"$//'; }
  wifi_page() { admin_get /admin/wifi > "$WORK/admin-page.html"; sed -e 's/<[^>]*>//g' "$WORK/admin-page.html"; }

  admin_get /admin/login > "$WORK/admin-page.html"
  check "admin login with the boot-partition password" test "$(admin_post /admin/login "password=$password")" = 303
  page=$(wifi_page)
  check "Wi-Fi page shows the hotspot running" has "Running the hotspot “TestPortal”" "$page"
  code=$(admin_post /admin/wifi/scan)
  out=$(grep -o '<tr><td>[^<]*' "$WORK/admin-page.html" | sed 's/<tr><td>//' | paste -sd '|')
  check "a scan while the hotspot runs lists the venue network, colon and all, not the hotspot itself (HTTP $code: $out)" \
    test "$code" = 200 -a "$out" = "$VENUE_SSID"

  code=$(admin_post /admin/wifi/join "ssid=$VENUE_SSID" "password=not-the-venue-pass")
  out=$(grep -o 'Wi-Fi join failed: [^<]*' "$WORK/admin-page.html")
  check "joining with a wrong password is refused (HTTP $code: $out)" test "$code" = 502 -a -n "$(grep 'Check the password' <<< "$out")"
  check "after the refused join the hotspot is back for the phones on it" has "Running the hotspot “TestPortal”" "$(wifi_page)"
  check "the refused network's profile is not kept" \
    vm_ssh "$vm" "! nmcli -g NAME connection show | grep -qF p2p-portal-wifi- && ! sudo grep -rq not-the-venue-pass /etc/NetworkManager/system-connections"

  wifi_page > /dev/null
  code=$(admin_post /admin/wifi/join "ssid=$VENUE_SSID" "password=$VENUE_PSK")
  check "joining the venue's WPA2 network from the admin page (got $code)" test "$code" = 303
  page=$(wifi_page)
  check "Wi-Fi page shows the venue network with its signal" grep -q "Connected to “$VENUE_SSID”, signal [0-9]*%" <<< "$page"
  check "wlan0 got an address from the venue's DHCP" vm_ssh "$vm" "ip -4 addr show wlan0 | grep -q 'inet 192\.168\.77\.'"
  # NetworkManager keeps the passphrase it was handed (psk-flags 0) so the network comes back after a reboot.
  check "the passphrase is kept only in the venue's root-only (0600) NetworkManager profile" vm_ssh "$vm" \
    "f=\$(sudo grep -rlx 'psk=$VENUE_PSK' /etc/NetworkManager/system-connections) && test \"\$(echo \"\$f\" | wc -l)\" = 1 &&
     sudo grep -qx 'id=p2p-portal-wifi-$VENUE_SSID' \"\$f\" && test \"\$(sudo stat -c %a \"\$f\")\" = 600"
  # (sudo logs the command lines of this test's own checks above; those are not the portal's doing.)
  out=$(vm_ssh "$vm" "sudo journalctl --no-pager -o short | grep -v ' sudo\[[0-9]*\]: ' | grep -e '$VENUE_PSK' -e not-the-venue-pass" |
    sed -e "s/$VENUE_PSK\|not-the-venue-pass/***/g" | cut -c1-200)
  check "no passphrase in the journal${out:+ (found: $out)}" test -z "$out"

  wifi_page > /dev/null
  code=$(admin_post /admin/wifi/hotspot "ssid=TestPortal Two" "password=phones-welcome-2")
  check "setting the hotspot from the admin page (got $code)" test "$code" = 303
  page=$(wifi_page)
  check "Wi-Fi page shows the new hotspot running" has "Running the hotspot “TestPortal Two”" "$page"
  check "hotspot back on wlan0 at 10.42.0.1 with the new name" vm_ssh "$vm" \
    "ip -4 addr show wlan0 | grep -q 'inet 10.42.0.1/24' && sudo grep -q '^ssid=TestPortal Two\$' /etc/NetworkManager/system-connections/p2p-portal-hotspot.nmconnection"

  vm_ssh "$vm" 'sudo kill $(cat /run/venue-ap.pid /run/venue-dnsmasq.pid) 2>/dev/null' || true
}
