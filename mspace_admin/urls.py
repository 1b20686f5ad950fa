from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from messaging.views.health import healthz

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("messaging.urls")),
]

if settings.MSPACE_SIMULATOR:
    # Demo mode: the simulator answers like the real gateway, e.g.
    # curl http://127.0.0.1:8000/mspaceservice/wr/sms/balance/username=demo/password=demo
    urlpatterns.append(path("mspaceservice/wr/sms/", include("simulator.urls")))
