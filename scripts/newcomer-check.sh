#!/usr/bin/env bash
# A newcomer's first five minutes, as CI step (.ci/run) or by hand: a fresh clone of this checkout's HEAD, the
# README's install command, then `npm start` where Electron's binary is not available — it must print a URL
# that serves the UI (with its token) within 2 minutes — and `npx lab presets` / `npx lab --version`.
# Prints the timings. Needs only Node, npm, git and curl.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
start_pid=""
cleanup() {
  if [ -n "$start_pid" ] && kill -0 "$start_pid" 2>/dev/null; then kill -TERM -- "-$start_pid" 2>/dev/null || true; wait "$start_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "newcomer check: FAILED: $*" >&2; [ -f "$work/start.log" ] && sed 's/^/  npm start | /' "$work/start.log" >&2; exit 1; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

git clone -q "$repo" "$work/lab"
cd "$work/lab"
# The desktop app's data folder goes under the temp folder, not the CI user's home.
export XDG_CONFIG_HOME="$work/config" BROWSER=none

t0=$(now)
npm ci >"$work/install.log" 2>&1 || { tail -20 "$work/install.log" >&2; fail "npm ci"; }
t1=$(now)
echo "newcomer check: npm ci took $(secs "$t0" "$t1") s"

# No Electron here: the README's way to say so. npm start must build, say why in one line, and serve.
# setsid: its own process group, so Ctrl+C can be sent the way a terminal sends it (to the whole group).
ELECTRON_SKIP_BINARY_DOWNLOAD=1 setsid npm start >"$work/start.log" 2>&1 &
start_pid=$!
url=""
for _ in $(seq 1 240); do
  url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/?token=[A-Za-z0-9_-]*' "$work/start.log" | head -1 || true)"
  [ -n "$url" ] && break
  kill -0 "$start_pid" 2>/dev/null || fail "npm start exited before printing a URL"
  sleep 0.5
done
t2=$(now)
[ -n "$url" ] || fail "no URL after 120 s"
echo "newcomer check: npm start printed $url after $(secs "$t1" "$t2") s (build included)"
grep -q "^Electron's binary is not available (" "$work/start.log" || fail "no one-line reason for the browser fallback"
grep -q "Makemore Lab" <(curl -fsS "$url") || fail "the URL does not serve the UI"
base="${url%%\?*}"
code="$(curl -s -o /dev/null -w '%{http_code}' "$base")"
[ "$code" = 401 ] || [ "$code" = 403 ] || fail "the UI is served without the token (HTTP $code)"
# Ctrl+C: npm itself reports the interrupt (exit 130); the lab must stop at once, leave no process behind and
# print no error.
kill -INT -- "-$start_pid"
status=0
timeout 20 tail --pid="$start_pid" -f /dev/null || fail "npm start still running 20 s after Ctrl+C"
wait "$start_pid" || status=$?
[ "$status" = 0 ] || [ "$status" = 130 ] || fail "npm start exited with $status after Ctrl+C"
# (zombies are not counted: exited, waiting for whoever reaps orphans, which in some containers is slow)
left="$(ps -eo pid=,pgid=,stat=,args= | awk -v g="$start_pid" '$2 == g && $3 !~ /^Z/')"
[ -z "$left" ] || fail "processes of npm start left after Ctrl+C: $left"
grep -qiE "error|at .*:[0-9]+:[0-9]+" "$work/start.log" && fail "npm start printed an error"
start_pid=""

t3=$(now)
npx lab presets | grep -q '^zero-init ' || fail "npx lab presets"
[ "$(npx lab --version)" = "$(node -p "require('./package.json').version")" ] || fail "npx lab --version"
echo "newcomer check: npx lab presets and --version took $(secs "$t3" "$(now)") s"
echo "newcomer check: OK"
