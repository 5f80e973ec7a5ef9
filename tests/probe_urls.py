"""Test-only URLs: a view that reports the database identity of its request, and a
deliberately careless view that lists addresses without filtering by user."""

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import include, path

from accounts.models import Address


def whoami(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user::text, app_user_id()")
        role, user_id = cursor.fetchone()
    return JsonResponse({"role": role, "user_id": user_id})


def careless_address_list(request: HttpRequest) -> HttpResponse:
    # The bug under test: no .filter(user=request.user).
    rows = Address.objects.all().order_by("id")
    return HttpResponse("\n".join(f"{a.user_id}:{a.line1}" for a in rows), content_type="text/plain")


def boom(request: HttpRequest) -> HttpResponse:
    Address.objects.filter(user_id=request.user.pk).update(city="Written before the crash")
    raise RuntimeError("view failed after writing")


urlpatterns = [
    path("whoami/", whoami),
    path("admin/whoami/", whoami),
    path("careless/addresses/", careless_address_list),
    path("boom/", boom),
    path("", include("shopwave.urls")),
]
