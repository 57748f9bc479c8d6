"""TOTP as second factor (django-otp), required for roles that handle personal data."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from samhandling.organisations.models import Membership, Role

from .models import User

ROLES_NEEDING_SECOND_FACTOR = (Role.PROFESSIONAL, Role.SERVICE_LEADER, Role.SYSTEM_ADMIN)


def needs_second_factor(user: User) -> bool:
    if not settings.REQUIRE_2FA:
        return False
    return (
        Membership.objects.filter(
            user=user, is_active=True, role__in=ROLES_NEEDING_SECOND_FACTOR
        ).exists()
        or user.is_superuser
    )


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device being set up (one per user), created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def qr_code_svg(device: TOTPDevice) -> str:
    """The provisioning URI as an inline SVG (no data: URL, no script; the CSP stays strict)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg") :]


def base32_secret(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
