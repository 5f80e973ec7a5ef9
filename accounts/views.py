"""Account pages: sign up, log in/out, password, profile, addresses and payment methods."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.forms import AddressForm, LoginForm, PaymentMethodForm, ProfileForm, ShopPasswordResetForm, SignUpForm
from accounts.models import Address, User
from shopwave import dbcontext
from shopwave.http import safe_next


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a real account."""

    user: User  # type: ignore[assignment]


@sensitive_post_parameters("password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                full_name=form.cleaned_data["full_name"],
            )
        except services.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            messages.success(request, "Welcome to ShopWave! Your account is ready.")
            return redirect(safe_next(request, str(reverse_lazy("accounts:profile"))))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request, "")})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        messages.success(self.request, "Your password has been changed.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = ShopPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def get_user(self, uidb64: str):  # type: ignore[no-untyped-def]
        # The link names the account; act as it for this request so its row is visible.
        # The token check that follows decides whether anything may be done with it.
        from django.utils.http import urlsafe_base64_decode

        try:
            uid = int(urlsafe_base64_decode(uidb64).decode())
        except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
            return None
        dbcontext.set_user_context(role=dbcontext.CUSTOMER, user_id=uid)
        return super().get_user(uidb64)


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_profile(
                user=request.user, email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"]
            )
        except services.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Your profile has been saved.")
            return redirect("accounts:profile")
    context = {"form": form, **selectors.account_overview(user=request.user)}
    return render(request, "accounts/profile.html", context)


@login_required
def address_list(request: AuthedRequest) -> HttpResponse:
    return render(request, "accounts/address_list.html", {"addresses": selectors.address_list(user=request.user)})


@login_required
def address_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    address = Address() if pk is None else selectors.address_get(user=request.user, pk=pk)
    if address is None:
        raise Http404("No such address")
    form = AddressForm(
        request.POST or None, instance=address, initial={"full_name": request.user.full_name} if pk is None else None
    )
    if request.method == "POST" and form.is_valid():
        services.address_save(
            user=request.user, address=form.save(commit=False), make_default=form.cleaned_data["make_default"]
        )
        messages.success(request, "Address saved.")
        return redirect(safe_next(request, str(reverse_lazy("accounts:addresses"))))
    return render(
        request, "accounts/address_form.html", {"form": form, "address": address, "next": safe_next(request, "")}
    )


@login_required
@require_POST
def address_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        services.address_delete(user=request.user, address_id=pk)
    except services.AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Address deleted.")
    return redirect("accounts:addresses")


@login_required
@require_POST
def address_make_default(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        services.address_set_default(user=request.user, address_id=pk)
    except services.AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Default address changed.")
    return redirect("accounts:addresses")


@login_required
def payment_method_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/payment_method_list.html",
        {"payment_methods": selectors.payment_method_list(user=request.user)},
    )


@login_required
@sensitive_post_parameters("number", "cvc")
def payment_method_add(request: AuthedRequest) -> HttpResponse:
    form = PaymentMethodForm(request.POST or None, initial={"cardholder_name": request.user.full_name})
    if request.method == "POST" and form.is_valid():
        assert form.card is not None
        try:
            services.payment_method_add(
                user=request.user,
                card=form.card,
                cardholder_name=form.cleaned_data["cardholder_name"],
                make_default=form.cleaned_data["make_default"],
            )
        except services.AccountError as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, "Card saved. Only its last four digits are kept.")
            return redirect(safe_next(request, str(reverse_lazy("accounts:payment_methods"))))
    return render(request, "accounts/payment_method_form.html", {"form": form, "next": safe_next(request, "")})


@login_required
@require_POST
def payment_method_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        services.payment_method_delete(user=request.user, payment_method_id=pk)
    except services.AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Payment method removed.")
    return redirect("accounts:payment_methods")


@login_required
@require_POST
def payment_method_make_default(request: AuthedRequest, pk: int) -> HttpResponse:
    try:
        services.payment_method_set_default(user=request.user, payment_method_id=pk)
    except services.AccountError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, "Default payment method changed.")
    return redirect("accounts:payment_methods")
