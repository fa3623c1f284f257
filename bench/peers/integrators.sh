#!/usr/bin/env bash
# integrators.sh (bench/peers) — what webhooks and SSE clients cost LMTP
# delivery (issue 13: "webhooks and SSE add less than 5% to LMTP
# throughput with three webhooks and 100 SSE clients attached").
# `task bench:integrators`. chapar only: Cyrus and Dovecot have neither,
# so the ratio is against chapar itself in the same run.
#
# Each round runs bench's lmtp scenario four times on one chapar, the
# mail spread over $USERS users:
#   bare      nothing attached;
#   users     $SSE SSE streams spread over the users, each following its
#             user's own events (webmail tabs, phones' push gateways), and
#             $HOOKS webhooks that post batches (--batch $BATCH) to bench's
#             receiver: the issue's shape;
#   admin     the same with every stream logged in as admin, so that each
#             receives every event: $SSE firehoses;
#   single    as users, with webhooks posting one event per request.
# The webhooks are added just before their run and deleted after it. The
# attached clients live in the bench process and only count what they
# read; bench waits after the run until they have received what the
# delivered recipients made, and reports what they got. They share the
# machine with the server: with firehose streams, reading them costs the
# bench process more CPU than the server spends sending.
#
# Environment: ROUNDS (default 3), LMTP_N (default 6000), USERS (default
# 100), BATCH (default 100), SSE (default 100), HOOKS (default 3),
# BENCH_OUT (markdown to write; default: stdout only).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO"
ROUNDS=${ROUNDS:-3}
LMTP_N=${LMTP_N:-6000}
USERS=${USERS:-100}
BATCH=${BATCH:-100}
SSE=${SSE:-100}
HOOKS=${HOOKS:-3}
WORK=$(mktemp -d /tmp/chapar-integrators.XXXXXX)
LMTP=127.0.0.1:38203
HTTP=127.0.0.1:38280
RECV=127.0.0.1:38290
log() { printf 'bench-integrators: %s\n' "$*" >&2; }

go build -o "$WORK/chapar" ./cmd/chapar
go build -o "$WORK/bench" ./bench
CONF=$WORK/imapd.conf
cat >"$CONF" <<EOF
configdirectory: $WORK/data
admins: admin
lmtp_listen: $LMTP
imap_listen: 127.0.0.1:38243
sieve_listen: 127.0.0.1:38291
http_listen: $HTTP
admin_socket: $WORK/admin.sock
EOF
"$WORK/chapar" serve -C "$CONF" </dev/null >"$WORK/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$WORK/data"; log "logs in $WORK"' EXIT
for _ in $(seq 1 150); do
	grep -q 'chapar ready' "$WORK/serve.log" && break
	kill -0 $PID || { tail "$WORK/serve.log" >&2; exit 1; }
	sleep 0.2
done
for u in admin $(seq -f 'test%g' 1 "$USERS"); do
	echo test | "$WORK/chapar" user add "$u" --password-stdin -C "$CONF" >/dev/null
done

# hooks add|delete [--batch N]
hooks() {
	local i
	if [ "$1" = add ]; then
		shift
		for i in $(seq 1 "$HOOKS"); do
			echo "bench-secret-0123456789" | "$WORK/chapar" webhook add "http://$RECV/hook$i" --secret-stdin "$@" -C "$CONF" >/dev/null
		done
	else
		for i in $("$WORK/chapar" webhook list -C "$CONF" | awk 'NR>1 || /^[0-9a-f]{8}/ {print $1}' | grep -E '^[0-9a-f]{8}$'); do
			"$WORK/chapar" webhook delete "$i" -C "$CONF" >/dev/null
		done
	fi
}


# run NAME ROUND [bench flags...]: prints msg/s, the server's CPU
# milliseconds per message (bench measures it from the first delivery to
# the attached clients' last event, after their logins), then what the
# attached clients got.
run() {
	local name=$1 round=$2
	shift 2
	"$WORK/bench" lmtp -n "$LMTP_N" -c 8 -size 4096 -users "$USERS" -lmtp "$LMTP" -pid "$PID" -seed "$round" -json "$@" \
		>"$WORK/$name.$round.json" 2>"$WORK/$name.$round.log"
	python3 - "$WORK/$name.$round.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = {x["name"]: x["value"] for x in r["metrics"]}
print(f'{m["messages/s"]:.0f} {m["server cpu per message"]:.3f}', " ".join(f'{k}={v:.0f}' for k, v in m.items() if "sse" in k or "webhook" in k))
PY
}

ATT=(-sse "$SSE" -events-url "http://$HTTP/events" -pass test -webhook-listen "$RECV" -webhooks "$HOOKS")
EACH=(-events-user each)
declare -A RATE=() CPU=()

# measure NAME ROUND WHAT [bench flags...]: one run, its figures kept.
measure() {
	local name=$1 round=$2 what=$3 out rest
	shift 3
	out=$(run "$name" "$round" "$@")
	rest=${out#* }
	RATE[$name]+=" ${out%% *}"
	CPU[$name]+=" ${rest%% *}"
	log "round $round $what: $out"
}

# scenario NAME ROUND: one run of a scenario, its webhooks added before
# and deleted after.
scenario() {
	local name=$1 round=$2
	case $name in
	bare) measure bare "$round" "nothing attached" ;;
	users | admin)
		hooks add --batch "$BATCH"
		if [ "$name" = users ]; then
			measure users "$round" "$SSE users' SSE + $HOOKS webhooks (batches of $BATCH)" "${ATT[@]}" "${EACH[@]}"
		else
			measure admin "$round" "$SSE admin SSE + $HOOKS webhooks (batches of $BATCH)" "${ATT[@]}"
		fi
		hooks delete
		;;
	single)
		hooks add
		measure single "$round" "$SSE users' SSE + $HOOKS webhooks (one event per POST)" "${ATT[@]}" "${EACH[@]}"
		hooks delete
		;;
	esac
}

# A first run that counts for nothing: a new store and a cold server
# would otherwise weigh on whichever scenario comes first. Then each
# round starts one scenario further on, so that none is always first or
# always last while the store grows.
run warmup 0 >/dev/null
ORDER=(bare users admin single)
for round in $(seq 1 "$ROUNDS"); do
	for i in 0 1 2 3; do
		scenario "${ORDER[$(((round - 1 + i) % 4))]}" "$round"
	done
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# paired A B: each round's figure of A over that round's of B. This
# machine's speed drifts by more than what is measured, over minutes; a
# round's four runs are minutes apart at most, so the median of the
# rounds' ratios says more than the ratio of the medians.
paired() { paste -d' ' <(tr ' ' '\n' <<<"$1" | grep .) <(tr ' ' '\n' <<<"$2" | grep .) | awk '{printf "%.3f ", $1/$2}'; }
bare=$(median <<<"${RATE[bare]}")
{
	echo "| LMTP, $LMTP_N msgs x $ROUNDS rounds ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, chapar $(git rev-parse --short HEAD)) | msg/s (median) | runs | vs bare | vs bare, paired by round (median) | server CPU ms/msg (median) | vs bare | vs bare, paired by round (median) |"
	echo "|---|---|---|---|---|---|---|---|"
	barecpu=$(median <<<"${CPU[bare]}")
	for k in bare users admin single; do
		m=$(median <<<"${RATE[$k]}")
		c=$(median <<<"${CPU[$k]}")
		pr=$(paired "${RATE[$k]}" "${RATE[bare]}" | median)
		pc=$(paired "${CPU[$k]}" "${CPU[bare]}" | median)
		echo "| $k | $m | ${RATE[$k]# } | $(awk -v a="$m" -v b="$bare" 'BEGIN {printf "%.2f", a/b}') | $pr | $c | $(awk -v a="$c" -v b="$barecpu" 'BEGIN {printf "%.2f", a/b}') | $pc |"
	done
} | tee "${BENCH_OUT:-/dev/null}"
