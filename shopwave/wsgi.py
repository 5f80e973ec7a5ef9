"""WSGI entry point: the served site connects as the web login (WEB_DATABASE_URL)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopwave.settings")
os.environ.setdefault("SHOPWAVE_DB_LOGIN", "web")

application = get_wsgi_application()
