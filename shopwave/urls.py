from django.contrib import admin
from django.urls import include, path

from catalog.views import home
from shopwave import health

urlpatterns = [
    path("", home, name="home"),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("seller/", include("orders.seller_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("account/", include("accounts.urls")),
    # Staff reports live in the back office: same login, same database role mapping.
    path("admin/staff-reports/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "shopwave.views.bad_request"
handler403 = "shopwave.views.permission_denied"
handler404 = "shopwave.views.page_not_found"
handler500 = "shopwave.views.server_error"
