#!/usr/bin/env bash
# One IKEv2 interop case between flexgw and strongSwan (or a second flexgw),
# each in its own network namespaces, as root:
#   scripts/interop.sh --role initiator|responder --ike IKE --esp ESP [--nat] [--json]
#                      [--peer strongswan|flexgw] [--id-type fqdn|email] [--asym-psk]
#                      [--keep] [--verbose] [--build DIR]
# IKE and ESP are strongSwan proposal strings (aes256-sha512-modp2048,
# aes256gcm16-prfsha384-ecp384, aes256gcm16, aes256-sha512-modp2048 for ESP
# with PFS); --role is flexgw's. Exit 0 only when the tunnel came up, a ping
# lost nothing, a TCP transfer arrived intact through the tunnel and both
# sides agree on SPIs and algorithms. The work is done by
# tests/integration/interop.py (shared with the pytest suite), which removes
# every namespace and process it made, also when interrupted.
#
# The FlexVPN hub scenario:
#   scripts/interop.sh --scenario hub --clients N --spokes M [--gre-spokes G] [--swan-spokes K]
#                      [--pool-size P] [--json] [--show]
# one flexgw hub, N strongSwan remote-access clients, M flexgw spokes (the
# last G in GRE mode) and K strongSwan site spokes;
# exit 0 only when every peer that should be up is up and carries traffic
# to the hub LAN (spokes also to each other), and exactly the clients the
# pool cannot serve were refused.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 tests/integration/interop.py "$@"
