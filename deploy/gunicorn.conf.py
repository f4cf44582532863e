"""gunicorn settings for dfi-casos behind nginx (see docs/deployment.md)."""
import multiprocessing
import os

# nginx reaches the app here; nothing else should (bind to loopback or a private socket).
bind = os.environ.get("DFI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("DFI_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
threads = 1
# A request that runs longer is a bug or an attack: exports and reports stream well within this.
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: bounded memory, and a key file change reaches every worker.
max_requests = 2000
max_requests_jitter = 200
# Request lines and headers are bounded before Flask sees them.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
# Access lines name the path only: search terms travel in POST bodies, and query strings are not logged.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"
# The client address comes from nginx through X-Forwarded-For (DFI_TRUSTED_PROXIES=1), not from gunicorn.
forwarded_allow_ips = "127.0.0.1"
proxy_allow_ips = "127.0.0.1"
