# Helpers for the bench scripts, sourced first (`. "$(dirname "$0")/lib.sh"`): sets $root
# (the checkout) and $BUILD (absolute; default build). The functions that need $work are
# called once it is set.
#   bench_realworld        $rw, the real-world data of ../shared, or the script ends here
#                          (exit 0) saying it is absent
#   bench_git_daemon DIR REPO  serves the repositories under DIR over git:// on a free
#                          loopback port, once DIR/REPO answers; sets $git_url
#                          (git://127.0.0.1:PORT); bench_cleanup stops it
#   bench_medians CSV      "median min" in ms per command of a hyperfine --export-csv
#   bench_cleanup          what the trap runs: the daemon, then $work
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
bench_daemon_pid=

bench_realworld() {
	rw="$root/../shared/data/realworld"
	[ -f "$rw/gittuf-main.bundle" ] || { echo "no real-world data; skipped"; exit 0; }
}

bench_cleanup() {
	# the daemon's status (killed) is not the script's
	if [ -n "$bench_daemon_pid" ]; then
		kill "$bench_daemon_pid" 2>/dev/null || :
		wait "$bench_daemon_pid" 2>/dev/null || :
	fi
	rm -rf "$work"
}

bench_git_daemon() {
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + ($$ * 7 + try * 7919) % 40000))
		git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$1" \
			--export-all "$1" 2>"$work/daemon.err" &
		bench_daemon_pid=$!
		i=0
		while [ $i -lt 50 ] && kill -0 "$bench_daemon_pid" 2>/dev/null; do
			if git ls-remote "git://127.0.0.1:$port/$2" >/dev/null 2>&1; then
				git_url="git://127.0.0.1:$port"
				return 0
			fi
			sleep 0.1
			i=$((i + 1))
		done
		kill "$bench_daemon_pid" 2>/dev/null
		wait "$bench_daemon_pid" 2>/dev/null
		bench_daemon_pid=
	done
	echo "cannot start git daemon: $(cat "$work/daemon.err")" >&2
	return 1
}

# hyperfine's CSV: command,mean,stddev,median,user,system,min,max (seconds)
bench_medians() {
	awk -F, 'NR > 1 { printf "%s\t%.1f\t%.1f\n", $1, $4 * 1000, $7 * 1000 }' "$1"
}
