"""manage.py api_token USERNAME: issue an API token for a user and print its key (bin/schemathesis, scripts)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from partners.tokens import issue_personal_token


def issue_key(user) -> str:
    """The one place outside the API that makes a personal token. Whoever runs manage.py on the server stands in
    for the second factor, so the token counts as given with one."""
    return issue_personal_token(user=user, second_factor=True)[1]


class Command(BaseCommand):
    help = "Issue an API token for an active user and print its key (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        self.stdout.write(issue_key(user))
