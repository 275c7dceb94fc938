"""REST: onboarding of organisations and users (superuser only), and the API token."""

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from config.api import APIMixin, IsSuperuser, ModelSerializer

from . import services
from .models import Organisation, OrganisationKind, Role

User = get_user_model()


class OrganisationSerializer(ModelSerializer):
    kind = serializers.ChoiceField(choices=OrganisationKind.choices)
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    class Meta:
        model = Organisation
        fields = ["id", "name", "kind", "municipality", "email", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness is the service's rule (with its own message); the serializer checks types only.
        extra_kwargs = {"name": {"validators": []}}


class UserSerializer(ModelSerializer):
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), source="membership.organisation"
    )
    role = serializers.ChoiceField(choices=Role.choices, source="membership.role")

    class Meta:
        model = User
        fields = ["id", "username", "password", "email", "first_name", "last_name", "organisation", "role",
                  "is_active"]
        read_only_fields = ["id", "is_active"]
        # Uniqueness is the service's rule; the character rule of usernames stays.
        extra_kwargs = {"username": {"validators": [UnicodeUsernameValidator()]}}

    def to_representation(self, user):
        membership = getattr(user, "membership", None)
        return {
            "id": user.pk,
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "organisation": membership.organisation_id if membership else None,
            "role": membership.role if membership else None,
            "is_active": user.is_active,
        }


class OrganisationList(APIMixin, generics.ListCreateAPIView):
    """Organisations (platform administrator only)."""

    serializer_class = OrganisationSerializer
    permission_classes = [IsSuperuser]
    queryset = Organisation.objects.order_by("name")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organisation = services.create_organisation(**serializer.validated_data)
        return Response(OrganisationSerializer(organisation).data, status=status.HTTP_201_CREATED)


class UserList(APIMixin, generics.ListCreateAPIView):
    """Users with their organisation and role (platform administrator only)."""

    serializer_class = UserSerializer
    permission_classes = [IsSuperuser]
    queryset = User.objects.select_related("membership").order_by("username")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        membership = data.pop("membership")
        user = services.create_user(organisation=membership["organisation"], role=membership["role"], **data)
        return Response(UserSerializer(User.objects.select_related("membership").get(pk=user.pk)).data,
                        status=status.HTTP_201_CREATED)
