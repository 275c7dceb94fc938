def membership(request):
    """The signed-in user's membership (organisation and role) for the page header and menus."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"membership": getattr(user, "membership", None)}
