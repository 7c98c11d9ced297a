#!/usr/bin/env bash
# Everything a fresh machine needs for moat: the kernel tools (as root, from Debian), the npm packages,
# and the build (./bin/moat runs dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # firewalld, docker.io and etcd-server are for tests that start them in namespaces of their own: their
  # packages must not start them on this host (firewalld would flush the host's firewall). policy-rc.d
  # answering 101 makes invoke-rc.d and deb-systemd-invoke skip the start; one already there is kept.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends iptables ipset nftables iproute2 iputils-ping conntrack kmod procps openssl firewalld docker.io etcd-server etcd-client chromium podman containernetworking-plugins busybox-static tcpdump >/dev/null
fi
npm ci --no-audit --no-fund
npm run build
