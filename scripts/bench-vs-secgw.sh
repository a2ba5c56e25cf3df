#!/usr/bin/env bash
# bench-vs-secgw.sh: flexgw's outbound ESP rate against DPDK's ipsec-secgw, measured the
# same way in one sitting, runs interleaved. ../shared/bench/secgw-bench.sh (beside the
# repository, or beside the main one when run from a git worktree, or $SECGW_BENCH) runs
# ipsec-secgw; this script runs flexgw itself:
#   the same packets   secgw-bench's pcap (IPv4/UDP, 198.51.100.1 -> SA k's destination);
#                      only the Ethernet destination is rewritten to flexgw's lan MAC
#                      (ipsec-secgw does not look at it, flexgw drops frames for other MACs)
#   the same SAs       manual SAs (tunnels[].manual_sa), SPI 1001+k, secgw-bench's keys,
#                      tunnel 192.0.2.1 -> 192.0.2.2, one tunnel interface per SA, routes
#                      to SA k's destination /24 into tunnel k
#   the same vdevs     port 0 (lan) net_pcap rx_pcap=<pcap>,infinite_rx=1; port 1 (wan)
#                      net_pcap with rx_pcap=<one ARP request from 192.0.2.2>: flexgw
#                      resolves its next hop by ARP, where ipsec-secgw uses a fixed MAC;
#                      a net_pcap port without tx_pcap drops and counts what it sends, as
#                      net_null does
#   the same cores     control lcore 0, one worker on lcore 1 (ipsec-secgw: main lcore 0
#                      busy-waits, worker lcore 1)
#   the same window    warm-up, then the delta of port 1 opackets over the window, read
#                      with secgw-bench's own telemetry sampler (/ethdev/stats,1)
# Prints per size both rates (median of the runs) and flexgw/ipsec-secgw.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
# shared/ sits beside the main repository; a git worktree (e.g. /work/wt/NAME) finds the
# main repository through git's common directory (<main>/.git)
secgw_bench_candidates() {
  local common
  echo "$REPO/../shared/bench/secgw-bench.sh"
  common=$(git -C "$REPO" rev-parse --path-format=absolute --git-common-dir 2>/dev/null) &&
    echo "$(dirname "$common")/../shared/bench/secgw-bench.sh"
  return 0
}
if [ -z "${SECGW_BENCH:-}" ]; then
  while read -r c; do
    [ -f "$c" ] && { SECGW_BENCH=$(realpath "$c"); break; }
  done < <(secgw_bench_candidates)
fi
BUILD=${FGW_BUILD:-$REPO/build}
FLEXGW=$BUILD/controlplane/flexgw
FLEXCTL=$BUILD/controlplane/ctl/flexctl
SIZES="64,1420"; ALG=gcm; SAS=1; DURATION=10; WARMUP=2; RUNS=3; JSON=0; VERIFY=1
CACHE=${SECGW_BENCH_CACHE:-/tmp/secgw-bench}
PY=/usr/bin/python3
# net_pcap's MAC is 02:70:63:61:70:<port> ("\x02pcap"); the lan is port 0
LAN_MAC="02:70:63:61:70:00"

usage() {
  cat <<EOF
usage: $0 [options]
  --sizes LIST     inner IPv4 sizes, comma list (default $SIZES)
  --alg ALG        gcm = AES-128-GCM (default) | cbc = AES-128-CBC + HMAC-SHA256-128; also
                   by secgw-bench's names (aes-128-gcm, aes-128-cbc-sha256-hmac: the alg
                   printed below) and flexgw-bench's (aes-gcm-128, aes-cbc-128-sha256)
  --sas N          SAs (and flexgw tunnel interfaces), 1..1000 (default 1)
  --duration S     measured seconds per run (default $DURATION)
  --warmup S       seconds of traffic before the window (default $WARMUP)
  --runs N         runs per size and gateway, interleaved (default $RUNS)
  --json           one JSON object per size on stdout: size, alg, sas, flexgw_mpps,
                   secgw_mpps (medians of the runs), ratio (median of the runs' flexgw/secgw,
                   each flexgw run right after its ipsec-secgw run), the runs (the table
                   goes to stderr)
  --no-verify      skip secgw-bench's ESP check of ipsec-secgw's output
  --cache DIR      secgw-bench's cache, shared with it (default $CACHE)
Needs root and a flexgw build ($BUILD, or \$FGW_BUILD).
EOF
}

while [ $# -gt 0 ]; do
  case "$1" in
    --sizes|--alg|--sas|--duration|--warmup|--runs|--cache)
      [ $# -ge 2 ] || { echo "$1 needs a value" >&2; exit 2; };;
  esac
  case "$1" in
    --sizes) SIZES="$2"; shift 2;;
    --alg) ALG="$2"; shift 2;;
    --sas) SAS="$2"; shift 2;;
    --duration) DURATION="$2"; shift 2;;
    --warmup) WARMUP="$2"; shift 2;;
    --runs) RUNS="$2"; shift 2;;
    --json) JSON=1; shift;;
    --no-verify) VERIFY=0; shift;;
    --cache) CACHE="$2"; shift 2;;
    -h|--help) usage; exit 0;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2;;
  esac
done
# the names secgw-bench takes, and flexgw-bench's: only gcm and cbc were taken, so the alg
# this script prints could not be given back to it (check19)
case "$ALG" in
  gcm|aes-128-gcm|aes-gcm-128) ALG=gcm; ALGNAME="aes-128-gcm"; TMAX=1444;;
  cbc|aes-128-cbc|aes-128-cbc-sha256-hmac|aes-cbc-128-sha256)
    ALG=cbc; ALGNAME="aes-128-cbc-sha256-hmac"; TMAX=1438;;
  *) echo "--alg $ALG: gcm (aes-128-gcm, aes-gcm-128) or cbc (aes-128-cbc-sha256-hmac," \
       "aes-128-cbc, aes-cbc-128-sha256)" >&2; exit 2;;
esac
# whole numbers: secgw-bench.sh, run the same way, takes whole seconds
for opt in "--duration $DURATION" "--warmup $WARMUP" "--runs $RUNS" "--sas $SAS"; do
  [[ "${opt#* }" =~ ^[0-9]+$ ]] || { echo "$opt: a whole number expected" >&2; exit 2; }
done
# decimal from here on: shell arithmetic reads a leading 0 as octal (--sas 0100 made 64
# packets for 100 SAs' pcap name, check17)
DURATION=$((10#$DURATION)); WARMUP=$((10#$WARMUP)); RUNS=$((10#$RUNS)); SAS=$((10#$SAS))
[ "$RUNS" -ge 1 ] && [ "$DURATION" -ge 1 ] || { echo "runs and duration must be >= 1" >&2; exit 2; }
# one tunnel interface per SA; the configuration allows 1024 tunnels
[ "$SAS" -ge 1 ] && [ "$SAS" -le 1000 ] || { echo "--sas: 1..1000" >&2; exit 2; }
IFS=, read -r -a SIZE_LIST <<<"$SIZES"
# checked here, before anything runs: secgw-bench would refuse them only after a flexgw start
[ "${#SIZE_LIST[@]}" -ge 1 ] || { echo "--sizes: no size given" >&2; exit 2; }
# read -a drops a trailing empty field: '64,' would run 64 alone without a word
[[ "$SIZES" != *, ]] || { echo "--sizes: '$SIZES' ends in a comma" >&2; exit 2; }
DECIMAL=()
for size in "${SIZE_LIST[@]}"; do
  [[ "$size" =~ ^[0-9]+$ ]] && [ "$size" -ge 28 ] && [ "$size" -le "$TMAX" ] ||
    { echo "--sizes: '$size' is not a size in 28..$TMAX (inner IPv4 bytes whose ESP fits 1500 with $ALG)" >&2; exit 2; }
  # a repeat measured the same size twice, 64 and 064 alike
  [[ " ${DECIMAL[*]} " != *" $((10#$size)) "* ]] ||
    { echo "--sizes: '$SIZES' gives $((10#$size)) twice" >&2; exit 2; }
  # decimal, as the numbers above: secgw-bench's pcap for 064 is not in_064_*
  DECIMAL+=("$((10#$size))")
done
SIZE_LIST=("${DECIMAL[@]}")
[ -x "$FLEXGW" ] && [ -x "$FLEXCTL" ] || { echo "no flexgw build in $BUILD (ninja -C $BUILD)" >&2; exit 1; }
if [ -z "${SECGW_BENCH:-}" ]; then
  echo "no secgw-bench.sh: looked for $(secgw_bench_candidates | sort -u | paste -sd' ' | sed 's/ / and /g');" \
    "set SECGW_BENCH to its path" >&2
  exit 1
fi
[ -f "$SECGW_BENCH" ] || { echo "no $SECGW_BENCH (SECGW_BENCH names no file)" >&2; exit 1; }
NPKTS=$(( SAS > 256 ? SAS : 256 )); NPKTS=$(( (NPKTS + SAS - 1) / SAS * SAS ))  # as secgw-bench
SATAG=""; [ "$SAS" -gt 1 ] && SATAG="_sa$SAS"
log() { echo "bench-vs-secgw: $*" >&2; }

WORK=$(mktemp -d /tmp/bench-vs-secgw.XXXXXX)
PID=""; PREFIX=""
cleanup() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill -INT "$PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
  fi
  [ -n "$PID" ] && wait "$PID" 2>/dev/null || true
  PID=""
  [ -n "$PREFIX" ] && rm -rf "/var/run/dpdk/$PREFIX" 2>/dev/null || true
  PREFIX=""
}
trap 'cleanup; rm -rf "$WORK"' EXIT
trap 'cleanup; rm -rf "$WORK"; exit 130' INT TERM

# ---------------------------------------------------------------- ipsec-secgw, one run
secgw_run() { # SIZE VERIFY -> Mpps on stdout
  local extra=() out
  [ "$2" = 1 ] || extra=(--no-verify)
  out=$(bash "$SECGW_BENCH" --sizes "$1" --alg "$ALG" --sas "$SAS" --duration "$DURATION" \
        --warmup "$WARMUP" --runs 1 --json --cache "$CACHE" "${extra[@]}" 2>"$WORK/secgw.err") \
    || { tail -20 "$WORK/secgw.err" >&2; log "secgw-bench failed"; return 1; }
  "$PY" -c 'import json,sys; print(json.loads(sys.argv[1].splitlines()[-1])["mpps"])' "$out"
}

# ---------------------------------------------------------------- flexgw's inputs
# The configuration (SA k as secgw-bench's plan and keys), the lan pcap with flexgw's MAC
# and the ARP request that tells flexgw where 192.0.2.2 is.
"$PY" - "$ALG" "$SAS" "$TMAX" "$WORK" <<'PYEOF'
import json, sys
alg, n, tmax, work = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def keys(k):  # secgw-bench's keys(): the last 4 bytes of each key XOR k
    x = k.to_bytes(4, "big")
    mix = lambda b: b[:-4] + bytes(a ^ c for a, c in zip(b[-4:], x))
    if alg == "gcm":
        return mix(bytes(range(1, 17))) + bytes(range(17, 21)), None
    return mix(bytes(range(1, 17))), mix(bytes(range(33, 65)))

def plan(k):  # secgw-bench's plan(): the destination network SA k protects
    return "203.0.113.0/24" if n == 1 else "10.%d.%d.0/24" % (k >> 8, k & 255)

ts = {"name": "BENCH", "esp_encryption": "esp-gcm 128"} if alg == "gcm" else \
     {"name": "BENCH", "esp_encryption": "esp-aes 128", "esp_integrity": "esp-sha256-hmac"}
tunnels, routes = [], []
for k in range(n):
    ek, ak = keys(k)
    out = {"spi": 1001 + k, "encryption_key": ek.hex()}
    inb = {"spi": (1 << 24) | k, "encryption_key": ek.hex()}  # unused: no inbound traffic
    if ak:
        out["integrity_key"] = inb["integrity_key"] = ak.hex()
    tunnels.append({"name": "Tunnel%d" % k, "ip_unnumbered": "lan", "mtu": tmax,
                    "source": "192.0.2.1", "destination": "192.0.2.2", "mode": "ipsec ipv4",
                    "manual_sa": {"transform_set": "BENCH", "inbound": inb, "outbound": out}})
    routes.append({"prefix": plan(k), "interface": "Tunnel%d" % k})
cfg = {
    "system": {"hostname": "bench", "log_level": "notice", "control_socket": work + "/ctl.sock"},
    "dataplane": {"control_lcore": 0, "worker_lcores": [1], "eal_args": []},
    "ports": [
        {"name": "lan", "device": "net_pcap0,rx_pcap=%s/lan.pcap,infinite_rx=1" % work,
         "ipv4": "198.51.100.254/24"},
        {"name": "wan", "device": "net_pcap1,rx_pcap=%s/arp.pcap" % work, "ipv4": "192.0.2.1/24"},
    ],
    "ipsec": {"transform_sets": [ts]},
    "tunnels": tunnels,
    "routes": routes,
}
json.dump(cfg, open(work + "/flexgw.json", "w"), indent=1)

# one ARP request, 192.0.2.2 (02:00:00:00:00:02) asking for 192.0.2.1, as a pcap
import struct
eth = bytes.fromhex("ffffffffffff" "020000000002" "0806")
arp = bytes.fromhex("0001080006040001" "020000000002" "c0000202" "000000000000" "c0000201")
frame = eth + arp + bytes(60 - len(eth + arp))
with open(work + "/arp.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame)
PYEOF

lan_pcap() { # SIZE: secgw-bench's pcap with the Ethernet destination set to flexgw's lan MAC
  local src="$CACHE/pcap/in_${1}_${NPKTS}${SATAG}.pcap"
  [ -s "$src" ] || { log "no $src (secgw-bench makes it)"; return 1; }
  "$PY" - "$src" "$WORK/lan.pcap" "$LAN_MAC" <<'PYEOF'
import struct, sys
src, dst, mac = sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3].replace(":", ""))
data = bytearray(open(src, "rb").read())
magic = struct.unpack("<I", data[:4])[0]
assert magic in (0xa1b2c3d4, 0xa1b23c4d), "pcap must be little-endian classic pcap"
off = 24
while off < len(data):
    incl = struct.unpack("<I", data[off + 8:off + 12])[0]
    data[off + 16:off + 22] = mac
    off += 16 + incl
open(dst, "wb").write(bytes(data))
PYEOF
}

# ---------------------------------------------------------------- flexgw, one run
flexgw_run() { # SIZE -> Mpps on stdout
  local sock rate enc drop
  lan_pcap "$1" || return 1
  PREFIX="bench-vs-secgw-$$-$RANDOM"
  "$PY" - "$WORK/flexgw.json" "$PREFIX" <<'PYEOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["dataplane"]["eal_args"] = ["--file-prefix", sys.argv[2]]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PYEOF
  "$FLEXGW" -c "$WORK/flexgw.json" >"$WORK/flexgw.log" 2>&1 &
  PID=$!
  sock="/var/run/dpdk/$PREFIX/dpdk_telemetry.v2"
  # telemetry answers before flexgw has attached its ports: wait for "flexgw up"
  for _ in $(seq $((300 + SAS))); do
    grep -q "flexgw up" "$WORK/flexgw.log" 2>/dev/null && break
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -q "flexgw up" "$WORK/flexgw.log" ||
    { tail -20 "$WORK/flexgw.log" >&2; cleanup; log "flexgw did not come up"; return 1; }
  # secgw-bench's sampler: waits for the first packet out of port 1, warm-up, window
  if ! rate=$(taskset -c 0 "$PY" "$CACHE/secgw_bench_helper.py" sample "$sock" "$WARMUP" \
               "$DURATION" $((30 + SAS / 50)) 2>"$WORK/sample.err"); then
    cat "$WORK/sample.err" >&2; tail -20 "$WORK/flexgw.log" >&2; cleanup; log "flexgw run failed"
    return 1
  fi
  # what flexgw did with the packets: every tunnel must have encrypted some
  "$FLEXCTL" -s "$WORK/ctl.sock" show crypto ipsec sa --json >"$WORK/sa.json" 2>&1 || true
  "$FLEXCTL" -s "$WORK/ctl.sock" show dataplane stats >"$WORK/stats.txt" 2>&1 || true
  cleanup
  drop=$(awk '/^Dropped/ { print $NF }' "$WORK/stats.txt")
  if ! enc=$("$PY" - "$WORK/sa.json" "$SAS" <<'PYEOF'
import json, sys
t = json.load(open(sys.argv[1]))["interfaces"]
n = sum(i["pkts_encaps"] for i in t)
idle = [i["interface"] for i in t if i["pkts_encaps"] == 0]
if len(t) != int(sys.argv[2]) or idle:
    sys.exit("%d tunnels, %d of them encrypted nothing" % (len(t), len(idle)))
print(n)
PYEOF
  ); then
    cat "$WORK/sa.json" | head -c 2000 >&2; log "flexgw did not encrypt on every tunnel"; return 1
  fi
  log "flexgw size $1: $rate; $enc packets encrypted, ${drop:-?} dropped since start"
  "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])["mpps"])' "$rate"
}

# ---------------------------------------------------------------- the runs, interleaved
"$FLEXGW" --check-config "$WORK/flexgw.json" >&2
declare -A FG SG
for r in $(seq "$RUNS"); do
  for size in "${SIZE_LIST[@]}"; do
    v=0; [ "$r" = 1 ] && v=$VERIFY
    s=$(secgw_run "$size" "$v")
    log "ipsec-secgw size $size run $r: $s Mpps"
    f=$(flexgw_run "$size")
    log "flexgw      size $size run $r: $f Mpps"
    SG[$size]="${SG[$size]:-} $s"; FG[$size]="${FG[$size]:-} $f"
  done
done

[ "$JSON" = 1 ] && TAB=2 || TAB=1
printf "%-24s %6s %6s %10s %10s %7s  %s\n" alg sas size flexgw secgw ratio \
  "runs: flexgw | ipsec-secgw | ratios (Mpps: medians; ratio: median of the runs' ratios)" >&$TAB
for size in "${SIZE_LIST[@]}"; do
  "$PY" - "$ALGNAME" "$SAS" "$size" "${FG[$size]}" "${SG[$size]}" "$JSON" "$TAB" <<'PYEOF'
import json, os, sys
alg, sas, size, fg, sg, js, tab = sys.argv[1:8]
fg = [float(x) for x in fg.split()]; sg = [float(x) for x in sg.split()]
med = lambda v: sorted(v)[len(v) // 2] if len(v) % 2 else sum(sorted(v)[len(v) // 2 - 1:len(v) // 2 + 1]) / 2
f, s = med(fg), med(sg)
# each flexgw run follows its ipsec-secgw run: their ratio sees the same spell of a noisy
# host, so the ratio reported is the median of the runs' ratios
pairs = [a / b for a, b in zip(fg, sg) if b]
ratio = med(pairs) if pairs else 0
out = os.fdopen(int(tab), "w")
out.write("%-24s %6s %6s %10.3f %10.3f %7.3f  %s | %s | %s\n" % (alg, sas, size, f, s, ratio,
          " ".join("%.3f" % x for x in fg), " ".join("%.3f" % x for x in sg),
          " ".join("%.2f" % x for x in pairs)))
out.flush()
if js == "1":
    print(json.dumps({"size": int(size), "alg": alg, "sas": int(sas), "flexgw_mpps": round(f, 4),
                      "secgw_mpps": round(s, 4), "ratio": round(ratio, 4),
                      "flexgw_runs": fg, "secgw_runs": sg,
                      "run_ratios": [round(x, 4) for x in pairs]}), flush=True)
PYEOF
done
