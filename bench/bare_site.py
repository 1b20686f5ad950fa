"""A bare Django site: the yardstick for "the app's own CPU per dashboard".

Same Django install, same gunicorn configuration, one view that returns a short text, no
middleware, no database, no templates. bench/run.py serves it with
`gunicorn -c gunicorn.conf.py --pythonpath bench bare_site:application` and
DJANGO_SETTINGS_MODULE=bare_site; whatever this costs per request is the floor any Django
page pays (gunicorn's HTTP parsing, the WSGI handler, URL resolving, one response).
"""

import os

from django.http import HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-only-bare-site")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
MIDDLEWARE = []
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("", bare)]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
