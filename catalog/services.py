"""Writes for the catalog: reviews, wishlists, moderation, category moves."""

from __future__ import annotations

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from catalog.models import Category, Product, Review, WishlistItem


class CatalogError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


def review_save(*, user: User, product: Product, rating: int, title: str, body: str) -> Review:
    """Write or edit the shopper's one review of a product; it (re-)enters moderation."""
    review = Review.objects.filter(product=product, user=user).first() or Review(product=product, user=user)
    review.rating, review.title, review.body = rating, title.strip(), body.strip()
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:  # a concurrent first review by the same shopper
        raise CatalogError("duplicate_review", "You have already reviewed this product.") from exc
    review.refresh_from_db(fields=["status", "is_verified_purchase", "moderated_at"])
    return review


def review_delete(*, user: User, product: Product) -> None:
    Review.objects.filter(product=product, user=user).delete()


def review_moderate(*, review_ids: list[int], status: str) -> int:
    """Publish or reject reviews (staff); the rating triggers keep products' averages."""
    if status not in {Review.Status.PUBLISHED, Review.Status.REJECTED, Review.Status.PENDING}:
        raise CatalogError("bad_status", f"Unknown review status {status!r}.")
    with transaction.atomic():
        return (
            Review.objects.filter(pk__in=review_ids)
            .exclude(status=status)
            .update(status=status, moderated_at=timezone.now())
        )


def wishlist_add(*, user: User, product: Product) -> None:
    """Idempotent: adding twice keeps one entry."""
    with transaction.atomic():
        WishlistItem.objects.get_or_create(user=user, product=product)


def wishlist_remove(*, user: User, product_id: int) -> None:
    WishlistItem.objects.filter(user=user, product_id=product_id).delete()


def category_move(*, category: Category, new_parent: Category | None) -> Category:
    """Move a category (and its subtree) under another; the database refuses cycles."""
    category.parent = new_parent
    try:
        with transaction.atomic():
            category.save(update_fields=["parent"])
    except DatabaseError as exc:
        if "cannot be moved under itself" in str(exc):
            raise CatalogError(
                "category_cycle", "A category cannot be moved under itself or one of its subcategories.", "parent"
            ) from exc
        raise
    category.refresh_from_db(fields=["path", "depth"])
    return category
