#!/usr/bin/env bash
# run.sh (bench/peers) — benchmark chapar side by side with Cyrus IMAP and Dovecot
# and write BENCHMARKS.md. Run from anywhere, as root (the peer scripts
# install packages and drop privileges): `task bench:peers`.
#
#   1. builds chapar, bench and bench/report into a temporary directory;
#   2. starts chapar there with its own imapd.conf (LMTP 127.0.0.1:2003,
#      IMAP 127.0.0.1:1143, durable defaults) and, unless SYNC_ALWAYS=0, a
#      second instance with `jetstream_sync: always` (LMTP 2013, IMAP 1153);
#      creates users test1..test10 (password "test") in each;
#   3. starts bench/peers/cyrus.sh and dovecot.sh from a clean state;
#   4. runs every scenario against every server, interleaved: for each
#      scenario, ROUNDS rounds of chapar, chapar (sync always), Cyrus,
#      Dovecot; bench -json output per run under $WORK/results. lmtp and
#      lmtp-sieve share their rounds (lmtp on every server, then
#      lmtp-sieve), so that the two are measured under the same conditions;
#      lmtp-sieve is lmtp's load with bench/peers/sieve/rules.sieve (20
#      rules) active for every user on every server: uploaded over
#      ManageSieve with sieveshell (chapar's sieve_listen, Cyrus's
#      timsieved) or installed as the active script (Dovecot), checked by
#      sieve/check.py (one message a rule files into INBOX/Invoices), and
#      deactivated again after its runs; imap and imapz share their rounds
#      the same way: imapz is imap's mix with COMPRESS=DEFLATE (bench imap
#      -compress), so that the cost of compression is a ratio taken under
#      the same conditions;
#   5. writes BENCHMARKS.md (medians over the rounds) with bench/report;
#   6. stops every server on exit, also on failure or Ctrl-C.
#
# A run that fails is recorded (exit status, bench's stderr) and shows as
# "failed: <reason>" in the table; the other runs go on.
#
# Environment:
#   ROUNDS         rounds per scenario (default 2; the median is reported)
#   BIGBOX_N       messages in the big mailbox (default 20000; the issue's
#                  figure is 100000, which takes much longer)
#   IMAP_DURATION  duration of the imap scenario per run (default 20s)
#   LMTP_N         messages per lmtp run (default 10000: runs of 3000, about
#                  4 s each, were swayed by single slow disk flushes)
#   ONLY           run only these scenarios (space-separated, e.g. "lmtp";
#                  all of them: "lmtp lmtp-sieve imap imapz idle idlescale
#                  bigbox"; imap's mailboxes are lmtp's, seeded with 500
#                  mixed-size messages when lmtp did not run)
#   SYNC_ALWAYS    1 (default) to add the "chapar (sync always)" column, 0 not to
#   IDLE_SCALE_SESSIONS  sessions of the chapar-only "idle at scale" scenario
#                  (default 10000; 0 skips it)
#   IDLE_SCALE_WATCHERS  of those, the sessions on each user's INBOX (default
#                  1000: each delivery goes to a mailbox 1,000 sessions watch,
#                  while the other 9,000 idle elsewhere, the issue's shape)
#   BENCH_OUT      the markdown to write (default BENCHMARKS.md in the repo root)
#   CHAPAR_PEERS_DIR  state of the peers (default /tmp/chapar-peers)
#   QUICK=1        tiny scenarios, to check this script end to end in a few
#                  minutes; writes $WORK/BENCHMARKS.md unless BENCH_OUT is set
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"

ROUNDS=${ROUNDS:-2}
BIGBOX_N=${BIGBOX_N:-20000}
IDLE_SCALE_SESSIONS=${IDLE_SCALE_SESSIONS:-10000}
IMAP_DURATION=${IMAP_DURATION:-20s}
LMTP_N=${LMTP_N:-10000}
SYNC_ALWAYS=${SYNC_ALWAYS:-1}
PEERS_DIR=${CHAPAR_PEERS_DIR:-/tmp/chapar-peers}
USERS=10
IDLE_SCALE_WATCHERS=${IDLE_SCALE_WATCHERS:-1000}
SCALE_USERS=$(((IDLE_SCALE_SESSIONS + IDLE_SCALE_WATCHERS - 1) / IDLE_SCALE_WATCHERS))
[ "${QUICK:-0}" = 1 ] && SCALE_USERS=$USERS
case " ${ONLY:-idlescale} " in *" idlescale "*) ;; *) SCALE_USERS=$USERS ;; esac # not run: no extra users

log() { printf 'bench-peers: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root: the Cyrus and Dovecot peer scripts install packages and switch users"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer"
[[ $BIGBOX_N =~ ^[1-9][0-9]*$ ]] || die "BIGBOX_N must be a positive integer"

T0=$(date +%s)
WORK=$(mktemp -d /tmp/chapar-bench.XXXXXX)
chmod 755 "$WORK"
RESULTS=$WORK/results
if [ "${QUICK:-0}" = 1 ]; then
	OUT=${BENCH_OUT:-$WORK/BENCHMARKS.md} # never overwrite the real one with a smoke test
else
	OUT=${BENCH_OUT:-$REPO/BENCHMARKS.md}
fi
META=$WORK/meta.txt
mkdir -p "$RESULTS" "$WORK/bin"
: >"$META"
log "working directory $WORK"

# Servers, in the order each round visits them.
SERVERS=(chapar)
[ "$SYNC_ALWAYS" = 1 ] && SERVERS+=(chapar-sync)
SERVERS+=(cyrus dovecot)
declare -A LMTP=([chapar]=127.0.0.1:2003 [chapar-sync]=127.0.0.1:2013 [cyrus]=127.0.0.1:2004 [dovecot]=127.0.0.1:2005)
declare -A IMAP=([chapar]=127.0.0.1:1143 [chapar-sync]=127.0.0.1:1153 [cyrus]=127.0.0.1:1144 [dovecot]=127.0.0.1:1145)
# chapar's ManageSieve (sieve_listen), to upload the lmtp-sieve script; the
# peers' scripts know their own ways (cyrus.sh/dovecot.sh sieve on|off).
declare -A SIEVE=([chapar]=127.0.0.1:4193 [chapar-sync]=127.0.0.1:4194)
declare -A PID=()
CHAPAR_PIDS=()

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/${1%:*}/${1##*:}" 2>/dev/null; }

# ---- stop everything on exit ------------------------------------------------

cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	set +e
	log "stopping the servers"
	for pid in "${CHAPAR_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || continue
		for i in $(seq 1 75); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.2
		done
		kill -0 "$pid" 2>/dev/null && { log "chapar $pid did not stop; killing it"; kill -KILL "$pid"; }
		wait "$pid" 2>/dev/null
	done
	"$REPO/bench/peers/cyrus.sh" stop >/dev/null 2>&1 || log "cyrus.sh stop failed"
	"$REPO/bench/peers/dovecot.sh" stop >/dev/null 2>&1 || log "dovecot.sh stop failed"
	# The stores can be large (bigbox); logs and results stay.
	rm -rf "$WORK"/chapar*/data
	log "results, logs and meta kept in $WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- 1. build ------------------------------------------------------------------

log "building chapar, bench and bench/report"
go build -o "$WORK/bin/chapar" ./cmd/chapar
go build -o "$WORK/bin/bench" ./bench
go build -o "$WORK/bin/report" ./bench/report

for s in "${SERVERS[@]}"; do
	for a in "${LMTP[$s]}" "${IMAP[$s]}"; do
		case $s in chapar*) ! port_open "$a" || die "$a ($s) is already in use; stop whatever listens there ($(ss -Htlnp "sport = :${a##*:}" 2>/dev/null | grep -o 'users:.*' || echo '?'))" ;; esac
	done
done

# ---- 2. chapar -------------------------------------------------------------------

# start_chapar NAME [jetstream_sync value]
start_chapar() {
	local name=$1 sync=${2:-} dir=$WORK/$1 pid i k
	mkdir -p "$dir"
	{
		echo "# generated by bench/peers/run.sh"
		echo "configdirectory: $dir/data"
		echo "lmtp_listen: ${LMTP[$name]}"
		echo "imap_listen: ${IMAP[$name]}"
		echo "sieve_listen: ${SIEVE[$name]}"
		# Two chapar variants may run at once: each its own metrics port.
		echo "http_listen: 127.0.0.1:0"
		echo "admin_socket: $dir/admin.sock"
		# Like the peers (Cyrus's default, Dovecot's raised limit): the idle
		# scenario opens many sessions per user.
		echo "maxlogins_per_user: 0"
		# The idle-at-scale scenario holds 10,000 sessions from loopback;
		# the default cap (1000) keeps headroom on a real server.
		echo "imap_maxconnections: 0"
		[ -n "$sync" ] && echo "jetstream_sync: $sync"
		true
	} >"$dir/imapd.conf"
	"$WORK/bin/chapar" serve -C "$dir/imapd.conf" </dev/null >"$dir/serve.log" 2>&1 &
	pid=$!
	CHAPAR_PIDS+=("$pid")
	for i in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || { tail -n 20 "$dir/serve.log" >&2; die "$name exited at start (log: $dir/serve.log)"; }
		port_open "${LMTP[$name]}" && port_open "${IMAP[$name]}" && [ -S "$dir/admin.sock" ] && break
		sleep 0.2
	done
	port_open "${LMTP[$name]}" && port_open "${IMAP[$name]}" || die "$name did not come up (log: $dir/serve.log)"
	local users=$USERS
	# The idle-at-scale scenario runs against this instance only.
	[ "$name" = chapar ] && [ "$SCALE_USERS" -gt "$users" ] && users=$SCALE_USERS
	seq 1 "$users" | xargs -P 4 -I{} sh -c 'echo test | "$1" user add "test$2" --password-stdin -C "$3" >/dev/null' _ "$WORK/bin/chapar" {} "$dir/imapd.conf"
	# The folders the lmtp-sieve script files into, as on the peers.
	for k in $(seq 1 "$USERS"); do
		for f in $SIEVE_FOLDERS; do
			"$WORK/bin/chapar" mailbox create "user/test$k/$f" -C "$dir/imapd.conf" >>"$dir/admin.log" 2>&1 ||
				die "$name: chapar mailbox create user/test$k/$f failed: $(tail -n 1 "$dir/admin.log")"
		done
	done
	PID[$name]=$pid
	log "$name running, pid $pid, LMTP ${LMTP[$name]}, IMAP ${IMAP[$name]}${sync:+, jetstream_sync: $sync}"
}

SIEVE_SCRIPT=$REPO/bench/peers/sieve/rules.sieve
SIEVE_FOLDERS=$(grep -o '"INBOX/[A-Za-z]*"' "$SIEVE_SCRIPT" | tr -d '"' | sed 's|^INBOX/||' | sort -u | tr '\n' ' ')

start_chapar chapar
[ "$SYNC_ALWAYS" = 1 ] && start_chapar chapar-sync always

# ---- 3. peers ----------------------------------------------------------------------

# start_peer NAME: a clean instance, so every server starts with empty mailboxes.
start_peer() {
	local name=$1 script=$REPO/bench/peers/$1.sh
	"$script" clean >/dev/null 2>&1 || true
	if "$script" start >"$WORK/$name-start.log" 2>&1; then
		PID[$name]=$(cat "$PEERS_DIR/$name/run/master.pid")
		log "$name running, master pid ${PID[$name]}"
		echo "${name}_start=ok" >>"$META"
	else
		tail -n 20 "$WORK/$name-start.log" >&2
		log "$name did not start; its runs will fail (log: $WORK/$name-start.log)"
		echo "${name}_start=failed" >>"$META"
	fi
}

start_peer cyrus
start_peer dovecot

# ---- machine and versions ------------------------------------------------------------

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
dirty=no
[ -n "$(git status --porcelain --untracked-files=no 2>/dev/null | grep -v ' BENCHMARKS.md$' || true)" ] && dirty=yes
cyrus_pkg=cyrus-imapd
pkg_version cyrus-imapd | grep -q 'not installed' && cyrus_pkg=cyrus-common
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
	echo "nproc=$(nproc)"
	echo "memory=$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "kernel=$(uname -sr)"
	echo "filesystem=$(df -T "$WORK" | awk 'NR==2 {print $2 " on " $1}')"
	echo "chapar_commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	echo "chapar_dirty=$dirty"
	echo "go_version=$(go env GOVERSION)"
	echo "cyrus_version=$(pkg_version $cyrus_pkg)"
	echo "dovecot_version=$(pkg_version dovecot-core)"
	echo "dovecot_binary_version=$(/usr/sbin/dovecot --version 2>/dev/null || echo '?')"
	echo "chapar_lmtp=${LMTP[chapar]}"
	echo "chapar_imap=${IMAP[chapar]}"
	echo "chapar_sync_lmtp=${LMTP[chapar-sync]}"
	echo "chapar_sync_imap=${IMAP[chapar-sync]}"
	echo "rounds=$ROUNDS"
	echo "bigbox_n=$BIGBOX_N"
	echo "order=$(IFS=,; echo "${SERVERS[*]}" | sed 's/,/, /g')"
	echo "workdir=$WORK"
} >>"$META"
"$WORK/bin/report" fsync -dir "$WORK" >>"$META"

# ---- 4. scenarios ----------------------------------------------------------------------

# Per scenario: bench's arguments (without addresses, pid and seed) and a
# hard bound in minutes, passed as -max-time and (plus a minute) to timeout(1).
declare -A ARGS=(
	[lmtp]="-n $LMTP_N -c 8 -size 4096 -users $USERS"
	[lmtp-sieve]="-n $LMTP_N -c 8 -size 4096 -users $USERS"
	[imap]="-c 8 -duration $IMAP_DURATION -users $USERS"
	[imapz]="-c 8 -duration $IMAP_DURATION -users $USERS -compress"
	[idle]="-sessions 100 -n 200 -size 4096 -users $USERS"
	[idlescale]="-sessions $IDLE_SCALE_SESSIONS -n 1000 -size 4096 -users $SCALE_USERS"
	[bigbox]="-n $BIGBOX_N -size 4096 -users $USERS"
)
if [ "${QUICK:-0}" = 1 ]; then # a smoke test of this script, not a benchmark
	ARGS=(
		[lmtp]="-n 200 -c 8 -size 4096 -users $USERS"
		[lmtp-sieve]="-n 200 -c 8 -size 4096 -users $USERS"
		[imap]="-c 8 -duration 3s -users $USERS"
		[imapz]="-c 8 -duration 3s -users $USERS -compress"
		[idle]="-sessions 10 -n 10 -size 4096 -users $USERS"
		[idlescale]="-sessions 20 -n 10 -size 4096 -users $USERS"
		[bigbox]="-n 500 -size 4096 -users $USERS -repeat 2"
	)
	echo "bigbox_n=500 (QUICK=1 smoke test: these figures are not a benchmark)" >>"$META"
fi
declare -A BOUND=([lmtp]=10 [lmtp-sieve]=10 [imap]=5 [imapz]=5 [idle]=15 [idlescale]=20 [bigbox]=90)
# The bench scenario each runs, where its name differs.
declare -A BENCH_SCENARIO=([idlescale]=idle [lmtp-sieve]=lmtp [imapz]=imap)
SCENARIOS=(lmtp lmtp-sieve imap imapz idle)
[ "$IDLE_SCALE_SESSIONS" -gt 0 ] && SCENARIOS+=(idlescale)
SCENARIOS+=(bigbox)
if [ -n "${ONLY:-}" ]; then
	kept=()
	for sc in "${SCENARIOS[@]}"; do
		case " $ONLY " in *" $sc "*) kept+=("$sc") ;; esac
	done
	[ "${#kept[@]}" -gt 0 ] || die "ONLY=\"$ONLY\" names none of: ${SCENARIOS[*]}"
	SCENARIOS=("${kept[@]}")
	echo "only=${SCENARIOS[*]} (the other scenarios were not run)" >>"$META"
fi
for sc in "${SCENARIOS[@]}"; do
	extra=
	case $sc in idle | idlescale | bigbox) extra=" -pid PID" ;; esac
	echo "cmd_$sc=${BENCH_SCENARIO[$sc]:-$sc} ${ARGS[$sc]}$extra -lmtp ADDR -imap ADDR -seed ROUND -json" >>"$META"
done

# sieve_set SERVER on|off: the lmtp-sieve script active for every user of
# SERVER, or no script active. chapar's is uploaded like Cyrus's, over
# ManageSieve with sieveshell (which exits 0 whatever happens: its output
# tells); the peers' scripts know their own ways.
sieve_set() {
	local s=$1 state=$2 k out cmds=$'deactivate\n'
	[ "$state" = on ] && cmds=$'put rules.sieve rules\nactivate rules\n'
	case $s in
	cyrus | dovecot) "$REPO/bench/peers/$s.sh" sieve "$state" 2>&1 ;;
	*)
		for k in $(seq 1 "$USERS"); do
			out=$(cd "$(dirname "$SIEVE_SCRIPT")" && sieveshell --user="test$k" --authname="test$k" \
				--password=test --exec="$cmds" "${SIEVE[$s]}" 2>&1 </dev/null) || true
			if grep -qi 'fail\|error\|unable\|refused\|usage' <<<"$out"; then
				echo "sieveshell against ${SIEVE[$s]} for test$k: $(tr '\n' ' ' <<<"$out")"
				return 1
			fi
		done
		;;
	esac
}

# sieve_all on|off switches every server; the first time it is switched on,
# sieve/check.py proves that the server runs the script. A server whose
# script is not active gets failed lmtp-sieve runs (SIEVE_ERR says why)
# rather than figures measured without one.
declare -A SIEVE_ERR=() SIEVE_CHECKED=()
sieve_all() {
	local s out
	for s in "${SERVERS[@]}"; do
		[ -n "${SIEVE_ERR[$s]:-}" ] && continue
		if ! out=$(sieve_set "$s" "$1"); then
			SIEVE_ERR[$s]="sieve $1 failed: $out"
		elif [ "$1" = on ] && [ -z "${SIEVE_CHECKED[$s]:-}" ]; then
			SIEVE_CHECKED[$s]=1
			if out=$(python3 "$REPO/bench/peers/sieve/check.py" "${LMTP[$s]}" "${IMAP[$s]}" test1 test 2>&1); then
				log "$s runs the lmtp-sieve script: $out"
				echo "sieve_check_$s=ok" >>"$META"
			else
				SIEVE_ERR[$s]="the script did not file the check message: $(tr '\n' ' ' <<<"$out")"
			fi
		fi
		if [ -n "${SIEVE_ERR[$s]:-}" ]; then
			log "$s: ${SIEVE_ERR[$s]}"
			echo "sieve_check_$s=failed: ${SIEVE_ERR[$s]}" >>"$META"
		fi
	done
}

# Blocks of scenarios that share rounds: a scenario that is its baseline's
# load plus one thing (lmtp-sieve: lmtp with a script; imapz: imap with
# COMPRESS) runs right after it in every round when both are chosen, so
# that the ratio of the two is taken under the same conditions (mailbox
# sizes, disk, neighbours).
declare -A FOLLOWS=([lmtp-sieve]=lmtp [imapz]=imap)
BLOCKS=()
declare -A SI=()
si=0
for sc in "${SCENARIOS[@]}"; do
	si=$((si + 1))
	SI[$sc]=$si
	base=${FOLLOWS[$sc]:-}
	follower=
	for f in "${!FOLLOWS[@]}"; do [ "${FOLLOWS[$f]}" = "$sc" ] && follower=$f; done
	if [ -n "$base" ] && [[ " ${SCENARIOS[*]} " == *" $base "* ]]; then
		continue # runs in its baseline's block
	elif [ -n "$follower" ] && [[ " ${SCENARIOS[*]} " == *" $follower "* ]]; then
		BLOCKS+=("$sc $follower")
	else
		BLOCKS+=("$sc")
	fi
done
if [ "${SI[lmtp-sieve]:-0}" -gt 0 ]; then
	command -v sieveshell >/dev/null || die "sieveshell (Debian package cyrus-admin) is needed for lmtp-sieve"
	echo "sieve_script=bench/peers/sieve/rules.sieve" >>"$META"
fi

echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"
failed=0
for block in "${BLOCKS[@]}"; do
	for sc in $block; do mkdir -p "$RESULTS/$sc"; done
	for round in $(seq 1 "$ROUNDS"); do
		for sc in $block; do
			if [ "$sc" = lmtp-sieve ]; then sieve_all on; fi
			for s in "${SERVERS[@]}"; do
				[ "$sc" = idlescale ] && [ "$s" != chapar ] && continue # chapar only (bench/report says why)
				out=$RESULTS/$sc/$s.$round
				if [ "$sc" = lmtp-sieve ] && [ -n "${SIEVE_ERR[$s]:-}" ]; then
					echo "no script active: ${SIEVE_ERR[$s]}" >"$out.log"
					echo 1 >"$out.rc"
					failed=$((failed + 1))
					continue
				fi
				# shellcheck disable=SC2206
				args=(${BENCH_SCENARIO[$sc]:-$sc} ${ARGS[$sc]} -lmtp "${LMTP[$s]}" -imap "${IMAP[$s]}" -seed $((round * 100 + SI[$sc])) -json -max-time "${BOUND[$sc]}m")
				case $sc in idle | idlescale | bigbox) args+=(-pid "${PID[$s]:-0}") ;; esac
				t=$(date +%s)
				rc=0
				timeout -k 10 "$(((BOUND[$sc] + 1) * 60))" "$WORK/bin/bench" "${args[@]}" >"$out.json" 2>"$out.log" || rc=$?
				echo "$rc" >"$out.rc"
				if [ "$rc" = 0 ]; then
					log "$sc round $round/$ROUNDS: $s ok ($(($(date +%s) - t)) s)"
				else
					failed=$((failed + 1))
					log "$sc round $round/$ROUNDS: $s FAILED (exit $rc, $(($(date +%s) - t)) s): $(grep -v '^bench: [a-z]*:' "$out.log" | tail -n 1)"
				fi
				sleep 2 # let the server settle before the next one
			done
			if [ "$sc" = lmtp-sieve ]; then sieve_all off; fi
		done
	done
done

# ---- 5. report -------------------------------------------------------------------------

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$META"
elapsed=$(($(date +%s) - T0))
echo "run_time=$((elapsed / 60)) min $((elapsed % 60)) s (build, start-up and $ROUNDS rounds of ${#SCENARIOS[@]} scenarios against ${#SERVERS[@]} servers)" >>"$META"
for s in "${SERVERS[@]}"; do
	if [ -n "${PID[$s]:-}" ] && kill -0 "${PID[$s]}" 2>/dev/null; then alive=yes; else alive=no; fi
	echo "alive_at_end_$s=$alive" >>"$META"
done
"$WORK/bin/report" md -results "$RESULTS" -meta "$META" -out "$OUT"
log "wrote $OUT in $((elapsed / 60)) min $((elapsed % 60)) s"
[ "$failed" = 0 ] || log "$failed run(s) failed; their cells read \"failed: …\" in $OUT"
