from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from messaging.views.health import healthz

# Plain error pages (messaging/views/errors.py says why these two need their own handlers; 403
# and 404 are Django's, with templates/403.html and 404.html). A crash's page needs neither
# the database nor mSpace.
handler400 = "messaging.views.errors.bad_request"
handler500 = "messaging.views.errors.server_error"

urlpatterns = [
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("language/", include("languages.urls")),
    path("", include("watch.urls")),
    path("", include("alerts.urls")),
    path("", include("batches.urls")),
    path("", include("messaging.urls")),
    path("", include("billing.urls")),
    path("", include("paybill.urls")),
    path("", include("team.urls")),
]

if settings.MSPACE_SIMULATOR:
    # Demo mode: the simulator answers like the real gateway, e.g.
    # curl http://127.0.0.1:8000/mspaceservice/wr/sms/balance/username=demo/password=demo
    urlpatterns.append(path("mspaceservice/wr/sms/", include("simulator.urls")))
