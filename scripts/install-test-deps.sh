#!/usr/bin/env bash
# Debian packages the tests use: namespaces and shaping (iproute2), an independent mDNS stack (avahi),
# a DNS server for the captive-portal flow (dnsmasq-base), Chromium for page tests, and the benchmark anchors
# (rsync, nginx, wrk); gcc and libc6-dev for the one addon `npm run build` compiles (native/malloc-trim.c).
# Services are not started by installing them: the tests start what they need, in namespaces.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=(gcc libc6-dev ffmpeg iproute2 avahi-daemon avahi-utils dbus dnsmasq-base chromium fonts-dejavu-core rsync nginx-light wrk curl python3 systemd procps psmisc)
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  # policy-rc.d keeps installed daemons (avahi, nginx) from starting on the host's own network.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi
