from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from samhandling.config.ratelimit import is_post, rate_limited, unauthorised
from samhandling.organisations.actors import ACTIVE_MEMBERSHIP_SESSION_KEY

from . import second_factor, services
from .forms import MembershipForm, SignInForm, TokenForm
from .models import User
from .second_factor import needs_second_factor


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@rate_limited("sign_in", per="address", when=is_post, counts=unauthorised)
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    expired = request.session.pop("session_expired", False)
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        result = services.sign_in(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.user is not None:
            return HttpResponseRedirect(_next_url(request))
        if result.locked:
            error = _("Too many failed attempts. Wait 15 minutes and try again.")
        else:
            error = _("The username or password is wrong.")
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "error": error, "expired": expired, "next": _next_url(request)},
        status=200 if not error else 401 if request.method == "POST" else 200,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.sign_out(request)
    return redirect("accounts:login")


@login_required
def second_factor_view(request: HttpRequest) -> HttpResponse:
    """Sets up the authenticator app on first sign-in, and asks for the code after that."""
    user = request.user
    confirmed = second_factor.confirmed_device(user)  # type: ignore[arg-type]
    setting_up = confirmed is None
    device = confirmed or second_factor.pending_device(user)  # type: ignore[arg-type]
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if setting_up:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session.cycle_key()  # more rights now: a new session key (no fixation)
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("The code is wrong or has expired. Try the newest code."))
    context = {"form": form, "setting_up": setting_up, "next": _next_url(request)}
    if setting_up:
        context["qr_svg"] = second_factor.qr_code_svg(device)
        context["secret"] = second_factor.base32_secret(device)
    return render(
        request, "accounts/second_factor.html", context, status=400 if form.errors else 200
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def sessions(request: HttpRequest) -> HttpResponse:
    """Where the person is signed in, and a button that ends every session but this one."""
    user = cast(User, request.user)  # login_required
    if needs_second_factor(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("accounts:second_factor")  # /accounts/ is open before the second factor
    if request.method == "POST":
        services.sign_out_other_sessions(request, user=user)
        messages.success(request, _("You are signed out on all other devices."))
        return redirect("accounts:sessions")
    context = {
        "records": services.active_sessions(user),
        "current": request.session.get(services.RECORD_KEY),
    }
    return render(request, "accounts/sessions.html", context)


@require_POST
@login_required
def switch_membership(request: HttpRequest) -> HttpResponse:
    form = MembershipForm(request.POST)
    if (
        form.is_valid()
        and request.user.memberships.filter(  # type: ignore[union-attr]
            pk=form.cleaned_data["membership"], is_active=True
        ).exists()
    ):
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = form.cleaned_data["membership"]
    return redirect("home")
