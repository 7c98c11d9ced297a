#!/usr/bin/env bash
# Everything a fresh machine needs for moat: the kernel tools (as root, from Debian), the npm packages,
# and the build (./bin/moat runs dist/).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iptables ipset nftables iproute2 iputils-ping conntrack kmod procps openssl firewalld docker.io etcd-server etcd-client >/dev/null
fi
npm ci --no-audit --no-fund
npm run build
