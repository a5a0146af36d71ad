"""Make an API token for a user and print it (for automation)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import services


class Command(BaseCommand):
    help = (
        "Make a personal access token for the read API and print it. It reads "
        "what the user may read in the browser; it is stored hashed and cannot "
        "be shown again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument(
            "--days",
            type=int,
            default=services.DEFAULT_DAYS,
            help=f"Days until it expires, 1 to {services.MAX_DAYS} "
            f"(default {services.DEFAULT_DAYS}).",
        )

    def handle(self, *args, username: str, name: str, days: int, **options):
        user_model = get_user_model()
        try:
            owner = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist as error:
            raise CommandError(f"There is no user {username!r}.") from error
        if not name.strip():
            raise CommandError("--name must not be empty.")
        try:
            token, secret = services.token_create(
                owner=owner,
                name=name,
                days=days,
                reason="Token created with create_api_token",
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stderr.write(
            f"Token {token.prefix}… for {username}, expires "
            f"{token.expires_at:%Y-%m-%d %H:%M %Z}. It is not shown again."
        )
        # The token alone on stdout, so scripts can capture it.
        self.stdout.write(secret)
