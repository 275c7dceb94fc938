from django.urls import path

from .api import ConvenantDetail, ConvenantList

urlpatterns = [
    path("convenants/", ConvenantList.as_view(), name="api-convenant-list"),
    path("convenants/<api_id:pk>/", ConvenantDetail.as_view(), name="api-convenant-detail"),
]
