from celery import shared_task

from . import tokens


@shared_task
def purge_expired_tokens():
    return tokens.purge_expired_tokens()
