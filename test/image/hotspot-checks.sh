# Hotspot checks with virtual radios (sourced by boot-test.sh). mac80211_hwsim gives the guest two radios on
# one simulated medium: NetworkManager runs the access point on wlan0 from the image's hotspot profile;
# wlan1's phy moves into a "phone" network namespace, where wpa_supplicant joins and busybox udhcpc asks
# for an address, as a phone would. The phone then resolves a probe host and fetches the probe URL.
hotspot_checks() { # VM SSID PASSWORD
  local vm=$1 ssid=$2 psk=$3 out state
  vm_ssh "$vm" 'sudo modprobe mac80211_hwsim radios=2'
  state=
  for _ in $(seq 60); do
    state=$(vm_ssh "$vm" "nmcli -g GENERAL.STATE connection show p2p-portal-hotspot" 2>/dev/null)
    [ "$state" = activated ] && break
    sleep 2
  done
  check "NetworkManager runs the hotspot on wlan0 (state: ${state:-none})" test "$state" = activated
  check "hotspot address 10.42.0.1 on wlan0" vm_ssh "$vm" "ip -4 addr show wlan0 | grep -q 'inet 10.42.0.1/24'"
  check "captive firewall table loaded" vm_ssh "$vm" "sudo nft list table inet p2p_portal | grep -q 198.51.100.1"
  check "Ethernet keeps its DHCP address and default route while the hotspot runs" \
    vm_ssh "$vm" "ip -4 addr show eth0 | grep -q 'inet 10.0.2.15/' && ip route show default | grep -q 'dev eth0'"

  out=$(vm_ssh "$vm" "sudo bash -s" <<PHONE 2>&1
set -u
phy=\$(cat /sys/class/net/wlan1/phy80211/name)
ip netns add phone
mkdir -p /etc/netns/phone
iw phy "\$phy" set netns name phone
ip netns exec phone ip link set lo up
ip netns exec phone ip link set wlan1 up
cat > /run/phone-wpa.conf <<WPA
ctrl_interface=/run/phone-wpa
network={
  ssid="$ssid"
  psk="$psk"
  key_mgmt=WPA-PSK
}
WPA
ip netns exec phone wpa_supplicant -B -D nl80211 -i wlan1 -c /run/phone-wpa.conf -P /run/phone-wpa.pid >/dev/null
# (/run is mounted noexec: the event script lives in /root)
cat > /root/phone-dhcp.sh <<'DHCP'
#!/bin/sh
# busybox udhcpc event script: configure what the lease says, like a phone.
case "\$1" in
  bound|renew)
    ip addr flush dev "\$interface"
    ip addr add "\$ip/\${mask:-24}" dev "\$interface"
    [ -n "\${router:-}" ] && ip route replace default via "\$router" dev "\$interface"
    : > /etc/netns/phone/resolv.conf
    for d in \$dns; do echo "nameserver \$d" >> /etc/netns/phone/resolv.conf; done
    echo "lease \$ip/\${mask:-?} router \${router:-none} dns \$dns" ;;
esac
DHCP
chmod +x /root/phone-dhcp.sh
for i in \$(seq 30); do
  ip netns exec phone wpa_cli -i wlan1 -p /run/phone-wpa status 2>/dev/null | grep -q 'wpa_state=COMPLETED' && break
  sleep 1
done
echo "wpa: \$(ip netns exec phone wpa_cli -i wlan1 -p /run/phone-wpa status 2>/dev/null | grep wpa_state)"
ip netns exec phone busybox udhcpc -i wlan1 -n -q -t 10 -T 2 -s /root/phone-dhcp.sh 2>&1 | grep '^lease' || echo "lease: none"
echo "resolved: \$(ip netns exec phone busybox nslookup connectivitycheck.gstatic.com 2>/dev/null | awk '/^Address/ { a=\$NF } END { print a }')"
echo "probe: \$(ip netns exec phone curl -s -o /dev/null -m 15 -w '%{http_code} %{redirect_url}' http://connectivitycheck.gstatic.com/generate_204)"
start=\$(date +%s%N)
ip netns exec phone curl -s -o /dev/null -m 15 https://connectivitycheck.gstatic.com/ ; rc=\$?
echo "https: exit \$rc after \$(( (\$(date +%s%N) - start) / 1000000 )) ms"
kill \$(cat /run/phone-wpa.pid) 2>/dev/null
PHONE
)
  echo "$out" | sed 's/^/# phone: /'
  check "phone associated with the hotspot (WPA2)" has 'wpa_state=COMPLETED' "$out"
  check "phone got a DHCP lease in 10.42.0.0/24 with the Pi as DNS" has '^lease 10\.42\.0\.[0-9]*/.* dns 10\.42\.0\.1' "$out"
  check "probe host resolves to the captive address 198.51.100.1" has '^resolved: 198\.51\.100\.1$' "$out"
  check "phone's generate_204 probe gets a 302 to the portal" has '^probe: 302 http://10\.42\.0\.1' "$out"
  # curl exit 7 = connection refused, i.e. the TCP reset, well before any timeout.
  check "HTTPS to the captive address fails fast (TCP reset)" has '^https: exit 7 after [0-9]\{1,4\} ms$' "$out"
}
