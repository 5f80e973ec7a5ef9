"""Storefront catalog pages: home, category, search, product, reviews, wishlist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.views import AuthedRequest
from catalog import selectors, services
from catalog.forms import ListingFilterForm, ReviewForm
from catalog.models import Category, Product
from shopwave.http import safe_next
from shopwave.keyset import BadCursorError

# The home page's sections are the same for every shopper and change slowly (best
# sellers move when orders are paid, the menu when staff edit categories): they are
# cached per server process for this long, so the page can lag the catalog by that much.
HOME_SECTIONS_SECONDS = 60
HOME_SECTIONS_KEY = "catalog:home-sections:v1"


def _home_sections() -> dict[str, Any]:
    sections: dict[str, Any] | None = cache.get(HOME_SECTIONS_KEY)
    if sections is None:
        sections = {
            "tree": selectors.category_tree(max_depth=1),
            "best_sellers": selectors.best_sellers(limit=8),
            "top_rated": selectors.top_rated(limit=8),
        }
        cache.set(HOME_SECTIONS_KEY, sections, HOME_SECTIONS_SECONDS)
    return sections


# The storefront's read-only pages (home, category, search, product, cart) run outside
# ATOMIC_REQUESTS' transaction: they write nothing, so BEGIN and COMMIT would be two round
# trips per page for no effect (each statement sees its own snapshot; a page whose parts
# straddle a concurrent change shows each part as it was when read).
@transaction.non_atomic_requests
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", _home_sections())


def _filters(form: ListingFilterForm, *, category: Category | None, default_sort: str) -> selectors.ListingFilters:
    """Filters from the valid fields only: a bad field is reported and ignored, never trusted."""
    data = form.cleaned_data if form.is_bound else {}
    valid = {name: value for name, value in data.items() if name not in form.errors}
    return selectors.ListingFilters(
        query=valid.get("q") or "",
        category=category,
        min_price=valid.get("min_price"),
        max_price=valid.get("max_price"),
        min_rating=valid.get("min_rating"),
        in_stock=bool(valid.get("in_stock")),
        sort=valid.get("sort") or default_sort,
    )


def _next_url(request: HttpRequest, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    params: QueryDict = request.GET.copy()
    params["after"] = cursor
    return f"{request.path}?{params.urlencode()}"


def _listing(
    request: HttpRequest, *, template: str, category: Category | None, with_query: bool, context: dict[str, Any]
) -> HttpResponse:
    form = ListingFilterForm(request.GET, with_query=with_query)
    form.is_valid()
    status = 400 if form.errors else 200
    filters = _filters(
        form, category=category, default_sort="relevance" if with_query and form.cleaned_data.get("q") else "newest"
    )
    if filters.sort == "relevance" and not filters.query:
        filters = selectors.ListingFilters(**{**filters.__dict__, "sort": "newest"})
    if with_query and form.cleaned_data.get("category") and "category" not in form.errors:
        chosen = selectors.category_get(slug=form.cleaned_data["category"])
        if chosen is None:
            form.add_error("category", "Unknown category.")
            status = 400
        else:
            filters = selectors.ListingFilters(**{**filters.__dict__, "category": chosen})
            context["chosen_category"] = chosen
    try:
        page = selectors.product_listing(filters=filters, after=request.GET.get("after") or None)
    except BadCursorError:
        return render(
            request,
            "errors/400.html",
            {"message": "That page link is no longer valid. Start again from the first page."},
            status=400,
        )
    facets = []
    if with_query:
        facets = selectors.search_facets(filters=filters, mode=page.mode, searched=page.searched, page=page)
    context.update(
        form=form,
        filters=filters,
        products=page.products,
        mode=page.mode,
        searched=page.searched,
        next_url=_next_url(request, page.next_cursor),
        is_first_page=not request.GET.get("after"),
        facets=facets,
    )
    return render(request, template, context, status=status)


# A category page's own parts (the category, its breadcrumbs and subcategories) change
# only when staff edit the tree: cached per process for this long, so a renamed or moved
# category shows its old name or place for up to that long. Unknown slugs are not cached.
CATEGORY_PARTS_SECONDS = 60


def _category_parts(slug: str) -> dict[str, Any] | None:
    key = f"catalog:category-parts:v1:{slug}"
    parts: dict[str, Any] | None = cache.get(key)
    if parts is None:
        category = selectors.category_get(slug=slug)
        if category is None:
            return None
        parts = {
            "category": category,
            "ancestors": selectors.category_ancestors(category=category),
            "children": list(selectors.category_children(category=category)),
        }
        cache.set(key, parts, CATEGORY_PARTS_SECONDS)
    return parts


@transaction.non_atomic_requests  # read-only (see home)
def category_detail(request: HttpRequest, slug: str) -> HttpResponse:
    parts = _category_parts(slug)
    if parts is None:
        raise Http404("No such category")
    context = dict(parts)
    return _listing(
        request, template="catalog/category.html", category=parts["category"], with_query=False, context=context
    )


@transaction.non_atomic_requests  # read-only (see home)
def search(request: HttpRequest) -> HttpResponse:
    return _listing(request, template="catalog/search.html", category=None, with_query=True, context={})


@transaction.non_atomic_requests  # read-only (see home)
def product_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        page = selectors.product_page(
            slug=slug,
            user=request.user if request.user.is_authenticated else None,  # type: ignore[arg-type]
            variant_sku=request.GET.get("variant"),
            reviews_after=request.GET.get("reviews_after") or None,
        )
    except BadCursorError:
        return render(request, "errors/400.html", {"message": "That reviews page link is not valid."}, status=400)
    if page is None:
        raise Http404("No such product")
    reviews_next_url = None
    if page.reviews_next:
        params = request.GET.copy()
        params["reviews_after"] = page.reviews_next
        reviews_next_url = f"{request.path}?{params.urlencode()}#reviews"
    return render(
        request, "catalog/product.html", {"page": page, "product": page.product, "reviews_next_url": reviews_next_url}
    )


def _listed_product(slug: str) -> Product:
    product = Product.objects.filter(slug=slug, is_listed=True).only("id", "name", "slug").first()
    if product is None:
        raise Http404("No such product")
    return product


@login_required
def review_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    product = _listed_product(slug)
    existing = product.reviews.filter(user=request.user).first()
    form = ReviewForm(request.POST or None, instance=existing)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_save(
                user=request.user,
                product=product,
                rating=form.cleaned_data["rating"],
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except services.CatalogError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Thank you! Your review will appear once our team has checked it.")
            return redirect(reverse("catalog:product", args=[product.slug]) + "#reviews")
    return render(request, "catalog/review_form.html", {"form": form, "product": product, "review": existing})


@login_required
@require_POST
def review_delete(request: AuthedRequest, slug: str) -> HttpResponse:
    product = _listed_product(slug)
    services.review_delete(user=request.user, product=product)
    messages.success(request, "Your review has been deleted.")
    return redirect("catalog:product", slug=product.slug)


@login_required
def wishlist(request: AuthedRequest) -> HttpResponse:
    return render(request, "catalog/wishlist.html", {"products": selectors.wishlist(user=request.user)})


@login_required
@require_POST
def wishlist_add(request: AuthedRequest, slug: str) -> HttpResponse:
    product = _listed_product(slug)
    services.wishlist_add(user=request.user, product=product)
    messages.success(request, f"Added “{product.name}” to your wishlist.")
    return redirect("catalog:product", slug=product.slug)


@login_required
@require_POST
def wishlist_remove(request: AuthedRequest, product_id: int) -> HttpResponse:
    services.wishlist_remove(user=request.user, product_id=product_id)
    messages.success(request, "Removed from your wishlist.")
    return redirect(safe_next(request, reverse("catalog:wishlist")))
