"""Writes for accounts. Views, admin actions and commands call these; none writes models directly.

Each runs inside the request's transaction and under its row-level security: a
shopper's request can only ever touch its own rows, whatever arguments it passes.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import Address, PaymentMethod, User, normalize_email
from processor import CardToken
from shopwave import dbcontext


class AccountError(Exception):
    """A business failure with a stable `code` and a message fit for the form."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


EMAIL_TAKEN = AccountError("email_taken", "An account with this email address already exists.", "email")


def user_register(*, email: str, password: str, full_name: str = "") -> User:
    """Create a shopper account and act as it for the rest of the transaction; raises EMAIL_TAKEN."""
    email = normalize_email(email)
    user = User(email=email, full_name=full_name.strip())
    user.set_password(password)
    try:
        with transaction.atomic():
            # The new row must be visible to INSERT ... RETURNING under RLS.
            dbcontext.allow_login_lookup(email)
            user.save()
    except IntegrityError as exc:
        raise EMAIL_TAKEN from exc
    dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=user.pk)
    return user


def user_update_profile(*, user: User, email: str, full_name: str) -> User:
    """Change name and email; raises EMAIL_TAKEN (same message whoever holds the email)."""
    user.email = normalize_email(email)
    user.full_name = full_name.strip()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "full_name"])
    except IntegrityError as exc:
        user.refresh_from_db(fields=["email"])
        raise EMAIL_TAKEN from exc
    return user


def _lock_owner(user: User) -> None:
    # Serializes default changes per shopper: the partial unique index is the backstop.
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True).first()


def address_save(*, user: User, address: Address, make_default: bool = False) -> Address:
    """Create or update one of the user's addresses; the first one becomes the default."""
    with transaction.atomic():
        _lock_owner(user)
        address.user = user
        has_default = Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).exists()
        if make_default or not has_default:
            Address.objects.filter(user=user, is_default=True).exclude(pk=address.pk).update(is_default=False)
            address.is_default = True
        address.save()
    return address


def _set_default(model: type[Address] | type[PaymentMethod], *, user: User, pk: int, missing: str) -> None:
    if not model.objects.filter(user=user, pk=pk).exists():
        raise AccountError("not_found", missing)
    model.objects.filter(user=user, is_default=True).exclude(pk=pk).update(is_default=False)
    model.objects.filter(user=user, pk=pk).update(is_default=True)


def _delete_keeping_a_default(model: type[Address] | type[PaymentMethod], *, user: User, pk: int, missing: str) -> None:
    deleted, _ = model.objects.filter(user=user, pk=pk).delete()
    if not deleted:
        raise AccountError("not_found", missing)
    if not model.objects.filter(user=user, is_default=True).exists():
        oldest = model.objects.filter(user=user).order_by("id").values_list("pk", flat=True).first()
        if oldest is not None:
            model.objects.filter(pk=oldest).update(is_default=True)


ADDRESS_MISSING = "That address does not exist."
CARD_MISSING = "That payment method does not exist."


def address_delete(*, user: User, address_id: int) -> None:
    """Delete one of the user's addresses; if it was the default, the oldest left takes over."""
    with transaction.atomic():
        _lock_owner(user)
        _delete_keeping_a_default(Address, user=user, pk=address_id, missing=ADDRESS_MISSING)


def address_set_default(*, user: User, address_id: int) -> None:
    with transaction.atomic():
        _lock_owner(user)
        _set_default(Address, user=user, pk=address_id, missing=ADDRESS_MISSING)


def payment_method_add(
    *, user: User, card: CardToken, cardholder_name: str, make_default: bool = False
) -> PaymentMethod:
    """Keep a tokenized card (never its number); the first card becomes the default."""
    with transaction.atomic():
        _lock_owner(user)
        if PaymentMethod.objects.filter(user=user, processor_token=card.token).exists():
            raise AccountError("duplicate_card", "This card is already saved in your account.", "number")
        has_default = PaymentMethod.objects.filter(user=user, is_default=True).exists()
        if make_default and has_default:
            PaymentMethod.objects.filter(user=user, is_default=True).update(is_default=False)
        return PaymentMethod.objects.create(
            user=user,
            processor_token=card.token,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            cardholder_name=cardholder_name.strip(),
            is_default=make_default or not has_default,
        )


def payment_method_delete(*, user: User, payment_method_id: int) -> None:
    with transaction.atomic():
        _lock_owner(user)
        _delete_keeping_a_default(PaymentMethod, user=user, pk=payment_method_id, missing=CARD_MISSING)


def payment_method_set_default(*, user: User, payment_method_id: int) -> None:
    with transaction.atomic():
        _lock_owner(user)
        _set_default(PaymentMethod, user=user, pk=payment_method_id, missing=CARD_MISSING)
