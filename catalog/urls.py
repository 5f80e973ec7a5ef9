from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("c/<slug:slug>/", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    path("p/<slug:slug>/", views.product_detail, name="product"),
    path("p/<slug:slug>/review/", views.review_edit, name="review"),
    path("p/<slug:slug>/review/delete/", views.review_delete, name="review_delete"),
    path("p/<slug:slug>/wishlist/", views.wishlist_add, name="wishlist_add"),
    path("account/wishlist/", views.wishlist, name="wishlist"),
    path("account/wishlist/<int:product_id>/remove/", views.wishlist_remove, name="wishlist_remove"),
]
