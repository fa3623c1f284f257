# Shared by cyrus.sh and dovecot.sh (sourced, not run). The sourcing script
# sets NAME (for messages), VERSION_OF (the installed package whose version
# unpacked packages must match) and MASTER_COMM (the master's process name).

log() { printf '%s: %s\n' "$NAME" "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, drops privileges)"

# ---- installation -----------------------------------------------------------

APT_OPTS=(-y -q --no-install-recommends -o DPkg::Lock::Timeout=600)

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

apt_ready=
apt_prepare() {
	[ -n "$apt_ready" ] && return
	# Keep maintainer scripts from starting system-wide daemons.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
	fi
	if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
		apt-get update -qq -o DPkg::Lock::Timeout=600
	fi
	apt_ready=1
}

apt_install() {
	local missing=() p
	for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
	[ ${#missing[@]} -eq 0 ] && return 0
	apt_prepare
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" "${missing[@]}" >&2 ||
		{ apt-get update -qq -o DPkg::Lock::Timeout=600 &&
			DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" "${missing[@]}" >&2; }
}

# unpack PKG DIR: extract a .deb, the version of the installed $VERSION_OF,
# into DIR (the conflicting package that apt cannot install beside the other).
unpack() {
	local pkg=$1 dir=$2 ver tmp
	ver=$(dpkg-query -W -f='${Version}' "$VERSION_OF")
	if [ -e "$dir/.unpacked" ] && [ "$(cat "$dir/.unpacked")" = "$ver" ]; then
		return 0
	fi
	apt_prepare
	log "unpacking $pkg $ver into $dir"
	tmp=$(mktemp -d)
	chmod 755 "$tmp"
	getent passwd _apt >/dev/null && chown _apt "$tmp"
	(cd "$tmp" && apt-get download -q "$pkg=$ver" >&2) ||
		{ apt-get update -qq -o DPkg::Lock::Timeout=600 && (cd "$tmp" && apt-get download -q "$pkg=$ver" >&2); }
	rm -rf "$dir"
	mkdir -p "$dir"
	dpkg-deb -x "$tmp"/*.deb "$dir"
	rm -rf "$tmp"
	echo "$ver" >"$dir/.unpacked"
}

# ---- processes --------------------------------------------------------------

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

master_pid() {
	local pid
	[ -s "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE")
	kill -0 "$pid" 2>/dev/null || return 1
	grep -q "$MASTER_COMM" "/proc/$pid/comm" 2>/dev/null || return 1
	echo "$pid"
}

# server_status prints whether the master and both listeners are up, as
# "<peer>: ..." lines; it fails if any is down.
server_status() {
	local peer=${NAME%.sh} pid rc=0
	if pid=$(master_pid); then
		echo "$peer: running, master pid $pid, state $STATE"
	else
		echo "$peer: not running (state $STATE)"
		rc=1
	fi
	local proto port
	for proto in LMTP IMAP; do
		port=$LMTP_PORT
		[ $proto = IMAP ] && port=$IMAP_PORT
		if port_open "$port"; then echo "$peer: $proto 127.0.0.1:$port listening"; else
			echo "$peer: $proto 127.0.0.1:$port not listening"
			rc=1
		fi
	done
	return $rc
}

clean() {
	stop
	rm -rf "$STATE"
	log "removed $STATE"
}

# run_command dispatches the script's argument to start|stop|status|clean.
run_command() {
	case ${1:-} in
	start) start ;;
	stop) stop ;;
	status) status ;;
	clean) clean ;;
	*)
		echo "usage: $0 start|stop|status|clean" >&2
		exit 2
		;;
	esac
}
