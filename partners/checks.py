from django.conf import settings
from django.core.checks import Warning, register

CONSOLE = "django.core.mail.backends.console.EmailBackend"


@register(deploy=True)
def mail_is_sent(app_configs, **kwargs):
    """Password-reset links and notifications go by mail: in production they must not end in the server log."""
    if not settings.DEBUG and settings.EMAIL_BACKEND == CONSOLE:
        return [Warning(
            "Mail is printed to the console: password-reset links would end up in the server log.",
            hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) for production.",
            id="partners.W001",
        )]
    return []
