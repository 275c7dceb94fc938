def membership(request):
    """The signed-in user's membership (organisation and role) for the page header. The menu comes from
    cases.context_processors (the policy decides it; partners sits below cases)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"membership": getattr(user, "membership", None)}
