#!/usr/bin/env bash
# Load benchmark: gunicorn (2 workers) + wrk on 127.0.0.1, bounded duration.
#
#   bench/load.sh [sqlite|postgresql] [PERSONS] [DURATION_SECONDS] [CONNECTIONS]
#
# Seeds (resumably) a registry of PERSONS through the service layer, then measures the case
# list, search by CURP, a case page and login, and a plain 50-row page of the same app with no
# decryption and no audit. Prints requests/s, p50, p99 and the ratio to the plain page.
set -euo pipefail
cd "$(dirname "$0")/.."

BACKEND=${1:-sqlite}
PERSONS=${2:-10000}
DURATION=${3:-10}
CONNECTIONS=${4:-32}
PORT=${BENCH_PORT:-8077}
BIN=.venv/bin
WORK=${BENCH_DIR:-/tmp/dfi-bench}
mkdir -p "$WORK"

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk; }

if [ "$BACKEND" = postgresql ]; then
  DB_NAME=${BENCH_DB_NAME:-dfi_bench_${PERSONS}}
  psql -h 127.0.0.1 -U postgres -d test -tAc "SELECT 1 FROM pg_database WHERE datname='$DB_NAME'" | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d test -qc "CREATE DATABASE $DB_NAME"
  DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/$DB_NAME"
else
  DATABASE_URL="sqlite:///$WORK/bench_${PERSONS}.sqlite3"
fi

export DFI_ENV=development DFI_INSTANCE_PATH="$WORK/instance" DFI_DATABASE_URL="$DATABASE_URL"
export DFI_DEMO_MODE=false DFI_BENCH_ROUTES=true DFI_RATELIMIT_ENABLED=false DFI_DEBUG=false
echo "== Preparando $BACKEND con $PERSONS personas (reanudable)"
eval "$($BIN/python bench/load_setup.py "$PERSONS" --database-url "$DATABASE_URL" | tail -n 4)"

$BIN/gunicorn --workers 2 --bind "127.0.0.1:$PORT" --log-level warning 'dfi_casos:create_app()' &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/login" >/dev/null && break; sleep 0.2; done

JAR="$WORK/cookies.txt"; rm -f "$JAR"
csrf() { curl -fs -b "$JAR" -c "$JAR" "http://127.0.0.1:$PORT$1" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1; }
TOKEN=$(csrf /login)
curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf_token=$TOKEN" \
  --data-urlencode "username=$USERNAME" --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/login"
SEARCH_TOKEN=$(csrf /registro/busqueda)
# Read the cookie after the form: the session now carries the CSRF secret the token is checked against.
COOKIE=$(awk '$6=="dfi_session"{print "dfi_session="$7}' "$JAR")

# Login is measured from a fresh anonymous session with its own CSRF token.
ANON="$WORK/anon.txt"; rm -f "$ANON"
LOGIN_TOKEN=$(curl -fs -c "$ANON" "http://127.0.0.1:$PORT/login" | sed -n 's/.*name="csrf_token" type="hidden" value="\([^"]*\)".*/\1/p' | head -1)
ANON_COOKIE=$(awk '$6=="dfi_session"{print "dfi_session="$7}' "$ANON")

urlencode() { $BIN/python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
post_script() {  # $1 file, $2 body, $3 cookie
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$3"
LUA
}
post_script "$WORK/search.lua" "csrf_token=$(urlencode "$SEARCH_TOKEN")&kind=curp&curp=$(urlencode "$CURP")" "$COOKIE"
post_script "$WORK/login.lua" "csrf_token=$(urlencode "$LOGIN_TOKEN")&username=$(urlencode "$USERNAME")&password=$(urlencode "$PASSWORD")" "$ANON_COOKIE"

run() {  # name, path, extra wrk args...
  local name=$1 path=$2; shift 2
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "http://127.0.0.1:$PORT$path")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/{print $5}' <<<"$out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$rps" "$p50" "$p99" "${errors:-0}"
}

echo "== $BACKEND, $PERSONS personas, ${DURATION}s, $CONNECTIONS conexiones, gunicorn 2 workers"
RESULTS="$WORK/results-$BACKEND-$PERSONS.tsv"
{
  run plain /bench/plain -H "Cookie: $COOKIE"
  run case_list /casos/lista -H "Cookie: $COOKIE"
  run search_curp /registro/busqueda -s "$WORK/search.lua"
  run case_page "/casos/$CASE_ID" -H "Cookie: $COOKIE"
  run login /login -s "$WORK/login.lua"
} > "$RESULTS"
PLAIN=$(awk -F'\t' '$1=="plain"{print $2}' "$RESULTS")
printf '%-12s %10s %10s %10s %8s %s\n' endpoint req/s p50 p99 ratio non2xx
while IFS=$'\t' read -r name rps p50 p99 errors; do
  ratio=$(awk -v a="$rps" -v b="$PLAIN" 'BEGIN{printf "%.2f", a/b}')
  printf '%-12s %10s %10s %10s %8s %s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$errors"
done < "$RESULTS"
