#!/usr/bin/env bash
# Make sure what the test suite needs is on this machine: PostgreSQL answering on 127.0.0.1:5432,
# Redis on 127.0.0.1:6379 (shared rate limits), and Debian's Chromium for the browser journeys.
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "Instalando PostgreSQL..."; apt_install postgresql
fi
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL no responde: iniciando el clúster local..."
  for version in $(ls /etc/postgresql 2>/dev/null); do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { echo "PostgreSQL no está disponible en 127.0.0.1:5432" >&2; exit 1; }

if ! command -v redis-server >/dev/null 2>&1; then
  echo "Instalando Redis..."; apt_install redis-server
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  echo "Redis no responde: iniciándolo..."
  mkdir -p /tmp/dfi-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp/dfi-redis --logfile /tmp/dfi-redis/redis.log
  sleep 1
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "Instalando Node.js y npm (axe-core para las pruebas de accesibilidad)..."; apt_install nodejs npm
fi

if [ ! -x /usr/bin/chromium ]; then
  echo "Instalando Chromium de Debian para las pruebas de navegador..."; apt_install chromium
fi

# Documents: python-magic reads file types with Debian's libmagic.
dpkg -s libmagic1 >/dev/null 2>&1 || dpkg -s libmagic1t64 >/dev/null 2>&1 || { echo "Instalando libmagic1..."; apt_install libmagic1; }

# Documents: the S3 storage tests run against moto's S3-compatible server (dev dependency moto[server]) on
# 127.0.0.1:9000, in the background like PostgreSQL; the storage's own tests create their bucket.
if ! (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null; then
  moto_bin="${VENV:-.venv}/bin/moto_server"
  if [ ! -x "$moto_bin" ]; then
    echo "moto_server no está en ${VENV:-.venv}: instale las dependencias de desarrollo (make .venv/.installed-dev)" >&2; exit 1
  fi
  echo "Servidor S3 (moto) no responde: iniciándolo en 127.0.0.1:9000..."
  mkdir -p /tmp/dfi-moto
  nohup "$moto_bin" -H 127.0.0.1 -p 9000 >/tmp/dfi-moto/moto.log 2>&1 &
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null && break; sleep 1; done
fi
(exec 3<>/dev/tcp/127.0.0.1/9000) 2>/dev/null || { echo "El servidor S3 de pruebas no está disponible en 127.0.0.1:9000" >&2; exit 1; }

# Reports: WeasyPrint lays out the PDFs with pango, embeds fonts subset with HarfBuzz (without the library it
# warns, and the suite turns warnings into errors) and needs fonts.
missing=()
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core; do
  dpkg -s "$lib" >/dev/null 2>&1 || missing+=("$lib")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Instalando ${missing[*]}..."; apt_install "${missing[@]}"
fi
