from celery import shared_task

from . import security, tokens


@shared_task
def purge_expired_tokens():
    return tokens.purge_expired_tokens()


@shared_task
def purge_old_security_events():
    return security.purge_old_events()
