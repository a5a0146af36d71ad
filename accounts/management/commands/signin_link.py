"""Print a one-time sign-in link for a break-glass superuser."""

import getpass
import os

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from accounts.services import SIGN_IN_LINK_LIFETIME, signin_link_create


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:  # no name for this uid (e.g. in a container)
        return f"uid {os.getuid()}"


class Command(BaseCommand):
    help = (
        "Print a sign-in link for a superuser, usable once within 10 minutes "
        "(break-glass access when the identity providers cannot be used)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username}.")
        try:
            token = signin_link_create(user=user, created_by=_os_user())
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        path = reverse("accounts:signin_link", args=[token])
        minutes = int(SIGN_IN_LINK_LIFETIME.total_seconds() // 60)
        self.stdout.write(f"{settings.SITE_URL.rstrip('/')}{path}")
        self.stderr.write(f"Valid once, for {minutes} minutes. This was logged.")
