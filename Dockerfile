# dfi-casos: the web application (gunicorn). Build: docker build -t dfi-casos .  See docs/deployment.md.
FROM python:3.11-slim-bookworm AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump/pg_restore for `dfi-casos backup` and `restore`; libmagic for the documents' type checks; pango,
# HarfBuzz's subsetter and fonts for WeasyPrint's PDFs (case file, oficios, monthly report, ARCO report).
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client=15* libmagic1=1:5.* \
       libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 dfi \
    && useradd --system --uid 10001 --gid dfi --home-dir /app --shell /usr/sbin/nologin dfi

WORKDIR /app
# Exactly what CI tested: every package pinned and checked against its hash.
COPY requirements.txt ./
RUN pip install --require-hashes --no-deps -r requirements.txt

COPY pyproject.toml README.md ./
COPY config ./config
COPY dfi_casos ./dfi_casos
COPY templates ./templates
COPY migrations ./migrations
COPY deploy/gunicorn.conf.py ./deploy/gunicorn.conf.py
RUN pip install --no-deps . \
    && mkdir -p /var/lib/dfi-casos && chown dfi:dfi /var/lib/dfi-casos

USER 10001:10001
ENV DFI_ENV=production \
    DFI_BIND=0.0.0.0:8000 \
    DFI_TRUSTED_PROXIES=1 \
    DFI_FILES_DIR=/var/lib/dfi-casos/files
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/login').status != 200)"]
CMD ["gunicorn", "--config", "deploy/gunicorn.conf.py", "dfi_casos:create_app()"]
