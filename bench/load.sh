#!/usr/bin/env bash
# Load benchmark: gunicorn (2 workers) + wrk on 127.0.0.1, bounded duration; one table for every target.
#
#   bench/load.sh [TARGET ...]      (default: sqlite:10000)
#
# A TARGET is `sqlite:N` (a SQLite registry of N persons under $BENCH_DIR, seeded resumably by
# bench/seed.py) or the path of an env file exporting DFI_DATABASE_URL and DFI_KEYFILE of a
# registry already seeded (e.g. /work/bench10k/env.sh; measured as it is). For each target it
# measures the plain page (/bench/plain: session, headers, base template, 50 rows, no decryption,
# no audit), the case list, Mis casos, a case page, a CURP search, a name search and the
# supervisor's home (dashboard): requests/s, p50 and p99 with $CONNECTIONS connections, the ratio
# to the plain page of the same run, and p50 with 1 connection (service time, no queueing).
# Also prints the machine's load average at each target: the figures are only as quiet as it was.
#
# Environment: DURATION (s per point, 10), CONNECTIONS (32), ONE_DURATION (s at 1 connection, 5),
# BENCH_DIR (/tmp/dfi-bench), BENCH_PORT (8077).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
ONE_DURATION=${ONE_DURATION:-5}
PORT=${BENCH_PORT:-8077}
BIN=.venv/bin
WORK=${BENCH_DIR:-/tmp/dfi-bench}
mkdir -p "$WORK"
[ $# -gt 0 ] || set -- sqlite:10000

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null 2>&1 || sudo apt-get install -y -qq wrk; }

ALL="$WORK/results.tsv"; : > "$ALL"
csrf_of() { sed -n 's/.*name="\([a-z]*-\{0,1\}csrf_token\)" type="hidden" value="\([^"]*\)".*/\2/p' | head -1; }
urlencode() { $BIN/python -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

login() {  # jar username -> prints the session cookie
  local jar=$1; rm -f "$jar"
  local token
  token=$(curl -fs -b "$jar" -c "$jar" "http://127.0.0.1:$PORT/login" | csrf_of)
  curl -fs -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf_token=$token" \
    --data-urlencode "username=$2" --data-urlencode "password=$PASSWORD" "http://127.0.0.1:$PORT/login"
}

post_script() {  # file body cookie
  cat > "$1" <<LUA
wrk.method = "POST"
wrk.body = "$2"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "$3"
LUA
}

point() {  # label name path wrk-args... -> one TSV row
  local label=$1 name=$2 path=$3; shift 3
  local out one rps p50 p99 errors p50one
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 20s --latency "$@" "http://127.0.0.1:$PORT$path")
  # wrk stops with requests still queued in gunicorn: wait until one answers, or the next point measures the queue.
  curl -fs -o /dev/null --max-time 300 "http://127.0.0.1:$PORT/login" || true
  one=$(wrk -t1 -c1 -d"${ONE_DURATION}s" --timeout 20s --latency "$@" "http://127.0.0.1:$PORT$path")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errors=$(awk '/Non-2xx or 3xx/{s+=$5} END{print s+0}' <<<"$out$one")
  p50one=$(awk '$1=="50%"{print $2}' <<<"$one")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$name" "$rps" "$p50" "$p99" "$p50one" "$errors"
}

measure() {  # target
  local target=$1 label persons url
  unset DFI_KEYFILE
  if [[ $target == sqlite:* ]]; then
    persons=${target#sqlite:}
    url="sqlite:///$WORK/bench_${persons}.sqlite3"
    export DFI_INSTANCE_PATH="$WORK/instance"
    label="SQLite"
  else
    # shellcheck disable=SC1090
    source "$target"
    url=$DFI_DATABASE_URL persons=0
    export DFI_INSTANCE_PATH="$WORK/instance-$(basename "$(dirname "$target")")"
    label="PostgreSQL"
  fi
  export DFI_ENV=development DFI_DATABASE_URL="$url" DFI_DEMO_MODE=false DFI_BENCH_ROUTES=true
  export DFI_RATELIMIT_ENABLED=false DFI_DEBUG=false DFI_MFA_REQUIRED_ROLES='[]'
  echo "== Preparando $target" >&2
  eval "$($BIN/python bench/load_setup.py "$persons" --database-url "$url" | tail -n 7)"
  label="$label $(printf "%'d" "$PERSONS")"
  $BIN/gunicorn --workers 2 --bind "127.0.0.1:$PORT" --log-level warning 'dfi_casos:create_app()' &
  GUNICORN=$!
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/login" >/dev/null && break; sleep 0.2; done

  local jar="$WORK/sup.txt" cwjar="$WORK/cw.txt" cookie cwcookie search_token
  login "$jar" "$USERNAME"
  login "$cwjar" "$CW_USERNAME"
  search_token=$(curl -fs -b "$jar" -c "$jar" "http://127.0.0.1:$PORT/busqueda/" | csrf_of)
  # Read the cookies after the forms: the session carries the CSRF secret the token is checked against.
  cookie=$(awk '$6=="dfi_session"{print "dfi_session="$7}' "$jar")
  cwcookie=$(awk '$6=="dfi_session"{print "dfi_session="$7}' "$cwjar")
  local prefix="rapida-csrf_token=$(urlencode "$search_token")&buscar=rapida&rapida-q="
  post_script "$WORK/curp.lua" "${prefix}$(urlencode "$CURP")" "$cookie"
  post_script "$WORK/name.lua" "${prefix}$(urlencode "$NAME")" "$cookie"

  # Warm both workers (catalogs, compiled statements, templates) before anything is measured.
  for _ in 1 2 3 4; do
    for path in /bench/plain /casos/lista "/casos/$CASE_ID" /; do curl -fs -o /dev/null -H "Cookie: $cookie" "http://127.0.0.1:$PORT$path"; done
    curl -fs -o /dev/null -H "Cookie: $cwcookie" "http://127.0.0.1:$PORT/casos/"
  done
  echo "== $label: carga $(cut -d' ' -f1-3 /proc/loadavg)" >&2
  {
    point "$label" "página simple" /bench/plain -H "Cookie: $cookie"
    point "$label" "lista de casos" /casos/lista -H "Cookie: $cookie"
    point "$label" "Mis casos" /casos/ -H "Cookie: $cwcookie"
    point "$label" "página de un caso" "/casos/$CASE_ID" -H "Cookie: $cookie"
    point "$label" "búsqueda por CURP" /busqueda/ -s "$WORK/curp.lua"
    point "$label" "búsqueda por nombre" /busqueda/ -s "$WORK/name.lua"
    point "$label" "tablero (inicio)" / -H "Cookie: $cookie"
  } | sed "s/\$/\t$(cut -d' ' -f1 /proc/loadavg)/" >> "$ALL"
  kill "$GUNICORN"; wait "$GUNICORN" 2>/dev/null || true
}

trap 'kill ${GUNICORN:-} 2>/dev/null || true' EXIT
for target in "$@"; do
  measure "$target"
done

echo
echo "gunicorn 2 workers, wrk 2 hilos, $CONNECTIONS conexiones, ${DURATION}s por punto; p50 a 1 conexión: ${ONE_DURATION}s"
printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' base punto req/s p50 p99 ratio "p50 1 conexión" "no 2xx" carga
echo '|---|---|---|---|---|---|---|---|---|'
awk -F'\t' '
  $2=="página simple" { plain[$1]=$3 }
  { rows[NR]=$0 }
  END { for (i=1; i<=NR; i++) { split(rows[i], f, "\t");
          printf "| %s | %s | %s | %s | %s | %.2f | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[3]/plain[f[1]], f[6], f[7], f[8] } }
' "$ALL"
