from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [path("", views.index, name="index")] + [
    path(f"{slug}/", view, name=slug) for slug, _title, view in views.REPORTS
]
