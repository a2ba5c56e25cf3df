#!/usr/bin/env bash
# Install every Debian 12 package flexgw needs to build, run and test, then build.
# Idempotent: packages already present are not fetched again; the build is incremental.
#   scripts/setup.sh            install + build (build/ and build-san/)
#   scripts/setup.sh --deps     install only
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  build-essential meson ninja-build pkg-config
  dpdk dpdk-dev libdpdk-dev libipsec-mb-dev libssl-dev libjansson-dev libpcap-dev
  libbsd-dev libnuma-dev libarchive-dev
  # fuzzing and sanitizers
  clang libclang-rt-14-dev
  # test and demo
  python3 python3-pytest python3-scapy iproute2 iputils-ping nftables tshark
  procps psmisc socat netcat-openbsd ethtool
  # real IKEv2 peers used by the interop tests
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-extra-plugins
  libstrongswan-standard-plugins
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer once, non-interactively
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The packaged charon service is not ours to run: the tests start their own charons.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now strongswan-starter 2>/dev/null || true; fi

[ "${1:-}" = --deps ] && exit 0

if [ ! -f build/build.ninja ]; then meson setup build --buildtype=release; fi
ninja -C build
if [ ! -f build-san/build.ninja ]; then
  CC=clang meson setup build-san --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true
fi
ninja -C build-san
