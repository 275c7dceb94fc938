"""The base of every app's business error. Each app subclasses it once (CaseError, PartnerError, …)."""


class BusinessError(Exception):
    """A rule of the domain refused a change. `message` is user-facing and already translated (lazily).

    `field` names the input the message is about, so the API can answer {"field": ["message"]} and a form can
    put the message beside that field. `conflict` marks a change that lost a race (the case changed under the
    caller): the API answers 409 instead of 400.
    """

    def __init__(self, message, *, field=None, conflict=False, errors=None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.conflict = conflict
        # Every field that failed (field → message), when one check of several inputs found more than one
        # problem: a form then shows them all at once. The first is `field`/`message`.
        self.errors = dict(errors) if errors else ({field: message} if field else {})

    @classmethod
    def combined(cls, errors):
        """One error for several: the first's message and field, and every field's message in `errors`."""
        merged = {}
        for error in errors:
            merged.update(error.errors or {error.field: error.message})
        first = errors[0]
        return cls(first.message, field=first.field, conflict=first.conflict, errors=merged)

    def as_dict(self):
        if len(self.errors) > 1:
            return {field or "detail": [str(message)] for field, message in self.errors.items()}
        return {self.field: [str(self.message)]} if self.field else {"detail": str(self.message)}


class ForbiddenAction(BusinessError):
    """The user can see the case but their role may not do this to it (API: 403)."""


class NotVisible(BusinessError):
    """The case is outside the user's scope: answered as 404, so that its existence does not leak."""
