from django.urls import path
from rest_framework.authtoken.views import ObtainAuthToken

from .api import OrganisationList, UserList

urlpatterns = [
    path("auth/token/", ObtainAuthToken.as_view(), name="api-token"),
    path("organisations/", OrganisationList.as_view(), name="api-organisation-list"),
    path("users/", UserList.as_view(), name="api-user-list"),
]
