"""Session limits: SESSION_IDLE_TIMEOUT without a request, SESSION_ABSOLUTE_TIMEOUT after the login.

The session store expires a session SESSION_COOKIE_AGE (= the idle limit) after its last save. Instead of saving
on every request (SESSION_SAVE_EVERY_REQUEST), the last-seen time is written at most once a minute, which saves
the session and so renews both the stored expiry and the cookie. The times are checked here as well, so a limit
holds whatever the store does."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.utils import timezone
from django.utils.translation import gettext as _

LOGIN_AT = "auth_login_at"
SEEN_AT = "auth_seen_at"
RENEW_AFTER = 60


def _last_login(user, default):
    """For a session that carries no login time (one from before these limits, or force_login in tests): the
    user's last login, which Django sets on every login. Reading it writes nothing."""
    last_login = getattr(user, "last_login", None) if user.is_authenticated else None
    return int(last_login.timestamp()) if last_login else default


def _clock() -> int:
    """Django's clock (which also stamps last_login), in whole seconds."""
    return int(timezone.now().timestamp())


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get(SESSION_KEY) is not None:
            now = _clock()
            login_at = session.get(LOGIN_AT)
            if login_at is None:
                login_at = _last_login(request.user, now)
            seen_at = session.get(SEEN_AT, login_at)
            if now - login_at >= settings.SESSION_ABSOLUTE_TIMEOUT or now - seen_at >= settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session has ended. Please log in again."))
            elif now - seen_at >= RENEW_AFTER:
                session[SEEN_AT] = now
                session[LOGIN_AT] = login_at
        response = self.get_response(request)
        # The login request writes the session anyway: its times go along at no cost. A second login of the same
        # user keeps the session's data (django.contrib.auth.login), and with it the first login's time: a
        # re-login never extends the limit.
        session = request.session
        if session.modified and session.get(SESSION_KEY) is not None and session.get(LOGIN_AT) is None:
            session[LOGIN_AT] = session[SEEN_AT] = _last_login(request.user, _clock())
        return response
