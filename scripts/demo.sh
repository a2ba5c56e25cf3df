#!/usr/bin/env bash
# flexgw demo: builds (scripts/setup.sh), then runs the embedded default
#
#     lan1 (192.0.2.10, 2001:db8:1::10)
#       |  veth
#     flexgw: GigabitEthernet1 192.0.2.1/25 2001:db8:1::1/64   (net_af_packet)
#             GigabitEthernet2 198.51.100.1/24 2001:db8:2::1/64
#       |  veth
#     lan2 (198.51.100.10, 2001:db8:2::10)
#
# in network namespaces: pings across in both families, a TCP transfer, and
# what flexctl shows. Everything it made is removed on exit, even on Ctrl-C.
# Exit 0 only when all traffic passed. Run as root.
#   FGW_BUILD=build-san scripts/demo.sh    use another build tree
#   DEMO_KEEP=1 scripts/demo.sh             wait for Enter before tearing down
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run as root (network namespaces, DPDK)" >&2
	exit 1
fi
scripts/setup.sh

BUILD=${FGW_BUILD:-build}
FLEXGW=$PWD/$BUILD/controlplane/flexgw
FLEXCTL=$PWD/$BUILD/controlplane/ctl/flexctl
PY=/usr/bin/python3
TAG=fgwdemo$$
NS_GW=$TAG-gw
NS_LAN1=$TAG-lan1
NS_LAN2=$TAG-lan2
WORK=$(mktemp -d /tmp/flexgw-demo.XXXXXX)
SOCK=$WORK/flexgw.sock
GW_PID=
NAMESPACES=()

# ---- teardown: only what this script made --------------------------------

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
		kill -TERM "$GW_PID"
		for _ in $(seq 50); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.2; done
		kill -0 "$GW_PID" 2>/dev/null && kill -KILL "$GW_PID"
		wait "$GW_PID" 2>/dev/null || true
	fi
	for ns in "${NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ] && [ -f "$WORK/flexgw.log" ]; then
		echo "--- flexgw log ---"
		tail -n 40 "$WORK/flexgw.log"
	fi
	rm -rf "$WORK" "/var/run/dpdk/$TAG"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step() { printf '\n=== %s\n' "$*"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ---- topology ---------------------------------------------------------------

make_ns() {
	ip netns add "$1"
	NAMESPACES+=("$1")
	in_ns "$1" ip link set lo up
}

# A veth end that carries traffic to or from af_packet: without offloads,
# or af_packet sees 64 KB GSO frames and unfinished checksums.
plain_veth() {
	in_ns "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null
}

# link NS_A DEV_A NS_B DEV_B: a veth pair; DEV_A belongs to flexgw (no
# kernel addresses, no IPv6, so the kernel sends nothing on it).
link() {
	in_ns "$1" ip link add "$2" type veth peer name "$4" netns "$3"
	in_ns "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
	plain_veth "$1" "$2"
	plain_veth "$3" "$4"
	in_ns "$1" ip link set "$2" up
	in_ns "$3" ip link set "$4" up
}

# host NS DEV ADDR4/LEN ADDR6/LEN GW4 GW6
host() {
	in_ns "$1" ip addr add "$3" dev "$2"
	in_ns "$1" ip -6 addr add "$4" dev "$2" nodad
	in_ns "$1" ip route add default via "$5"
	in_ns "$1" ip -6 route add default via "$6"
}

step "topology: $NS_LAN1 -- $NS_GW (flexgw) -- $NS_LAN2"
make_ns "$NS_GW"
make_ns "$NS_LAN1"
make_ns "$NS_LAN2"
link "$NS_GW" p1 "$NS_LAN1" eth0
link "$NS_GW" p2 "$NS_LAN2" eth0
host "$NS_LAN1" eth0 192.0.2.10/25 2001:db8:1::10/64 192.0.2.1 2001:db8:1::1
host "$NS_LAN2" eth0 198.51.100.10/24 2001:db8:2::10/64 198.51.100.1 2001:db8:2::1

# ---- the gateway --------------------------------------------------------------

cat >"$WORK/flexgw.json" <<EOF
{
  "system": { "hostname": "demo-gw", "control_socket": "$SOCK" },
  "dataplane": {
    "control_lcore": 0,
    "worker_lcores": [1],
    "idle_sleep_us": 20,
    "memory_mb": 1024,
    "eal_args": ["--file-prefix", "$TAG"]
  },
  "ports": [
    { "name": "GigabitEthernet1", "device": "net_af_packet0,iface=p1",
      "ipv4": "192.0.2.1/25", "ipv6": "2001:db8:1::1/64" },
    { "name": "GigabitEthernet2", "device": "net_af_packet1,iface=p2",
      "ipv4": "198.51.100.1/24", "ipv6": "2001:db8:2::1/64" }
  ],
  "routes": []
}
EOF

step "flexgw -c flexgw.json (in $NS_GW)"
"$FLEXGW" --check-config "$WORK/flexgw.json"
in_ns "$NS_GW" "$FLEXGW" -c "$WORK/flexgw.json" >"$WORK/flexgw.log" 2>&1 </dev/null &
GW_PID=$!
for _ in $(seq 300); do
	"$FLEXCTL" -s "$SOCK" show interfaces >/dev/null 2>&1 && break
	kill -0 "$GW_PID" 2>/dev/null || { echo "flexgw exited during startup"; exit 1; }
	sleep 0.2
done
"$FLEXCTL" -s "$SOCK" show interfaces >/dev/null
echo "flexgw up (pid $GW_PID)"

ctl() {
	step "flexctl $*"
	"$FLEXCTL" -s "$SOCK" "$@"
}

# ---- traffic ------------------------------------------------------------------

ping_across() {
	step "ping $2 from $1"
	local out
	out=$(in_ns "$1" ping -n -q -c 20 -i 0.02 -W 2 "$2") || { echo "$out"; return 1; }
	echo "$out" | tail -n 2
	grep -q ' 0% packet loss' <<<"$out"
}

# tcp_across CLIENT_NS SERVER_NS SERVER_ADDR BYTES: random bytes across,
# compared by SHA-256 on both ends.
tcp_across() {
	step "TCP: $4 bytes from $1 to $3"
	in_ns "$2" "$PY" -c '
import hashlib, socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 5001)); s.listen(1); s.settimeout(60)
c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
	b = c.recv(65536)
	if not b: break
	h.update(b); n += len(b)
print(n, h.hexdigest())' "$3" >"$WORK/tcp.server" &
	local srv=$!
	for _ in $(seq 50); do
		in_ns "$2" ss -Hltn 'sport = :5001' | grep -q . && break
		sleep 0.1
	done
	in_ns "$1" "$PY" -c '
import hashlib, os, socket, sys, time
data = os.urandom(int(sys.argv[2]))
c = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
c.settimeout(60); t = time.time()
c.connect((sys.argv[1], 5001)); c.sendall(data); c.shutdown(socket.SHUT_WR); c.recv(1)
dt = time.time() - t
print(len(data), hashlib.sha256(data).hexdigest(), "%.1f Mbit/s" % (len(data) * 8 / dt / 1e6))' "$3" "$4" >"$WORK/tcp.client"
	wait "$srv"
	read -r sent_n sent_h rate <"$WORK/tcp.client"
	read -r got_n got_h <"$WORK/tcp.server"
	echo "sent $sent_n bytes sha256 $sent_h ($rate)"
	echo "got  $got_n bytes sha256 $got_h"
	[ "$sent_n" = "$got_n" ] && [ "$sent_h" = "$got_h" ]
}

ping_across "$NS_LAN1" 192.0.2.1
ping_across "$NS_LAN1" 2001:db8:1::1
ping_across "$NS_LAN1" 198.51.100.10
ping_across "$NS_LAN1" 2001:db8:2::10
ping_across "$NS_LAN2" 192.0.2.10
tcp_across "$NS_LAN1" "$NS_LAN2" 198.51.100.10 50000000
tcp_across "$NS_LAN2" "$NS_LAN1" 2001:db8:1::10 20000000

# ---- what the box says -----------------------------------------------------------

ctl show interfaces
ctl show ip route
ctl show ipv6 route
ctl show arp
ctl show ipv6 neighbors
ctl show dataplane stats

if [ -n "${DEMO_KEEP:-}" ]; then
	read -r -p "topology is up (flexctl -s $SOCK ...); Enter tears it down " _ || true
fi
step "demo: all traffic passed"
