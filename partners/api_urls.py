from django.urls import path

from .api import Logout, LogoutAll, ObtainToken, OrganisationList, UserList

urlpatterns = [
    path("auth/token/", ObtainToken.as_view(), name="api-token"),
    path("auth/logout/", Logout.as_view(), name="api-logout"),
    path("auth/logout-all/", LogoutAll.as_view(), name="api-logout-all"),
    path("organisations/", OrganisationList.as_view(), name="api-organisation-list"),
    path("users/", UserList.as_view(), name="api-user-list"),
]
