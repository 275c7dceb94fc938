"""REST: onboarding of organisations and users (superuser only), and the API token."""

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.response import Response

from config.api import APIMixin, IsSuperuser, ModelSerializer
from config.lockout import lockout_message

from . import second_factor, services, tokens
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


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp = serializers.CharField(
        max_length=32, required=False, allow_blank=True,
        help_text="A code from the authenticator app (or a backup code): required where the role needs a second "
                  "factor.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField()


@extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
class ObtainToken(APIMixin, generics.GenericAPIView):
    """A personal API token (hashed, expiring after API_TOKEN_TTL_HOURS). Locked out after repeated failures."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer
    error_answers = {"403": "Locked out after repeated failed attempts, or the role needs a second factor."}

    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if getattr(request._request, "axes_locked_out", False):
            raise exceptions.PermissionDenied(lockout_message())
        if user is None:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Unable to log in with the provided credentials.")]}
            )
        second_factor_given = False
        if second_factor.required_for(user):
            if not second_factor.is_enrolled(user):
                raise exceptions.PermissionDenied(
                    _("Your role needs a second factor: set up an authenticator app on the website first.")
                )
            if not data.get("otp"):
                raise exceptions.PermissionDenied(_("Your role needs a second factor: send the code as otp."))
            if second_factor.verify(user, data["otp"]) is None:
                raise exceptions.ValidationError({"otp": [_("This code is not right.")]})
            second_factor_given = True
        token, key = tokens.issue_personal_token(user=user, second_factor=second_factor_given)
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": key, "expiry": token.expiry})


class Logout(APIMixin, generics.GenericAPIView):
    """Revoke the token of this request at once."""

    authentication_classes = [tokens.ApiTokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.revoke_current(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAll(APIMixin, generics.GenericAPIView):
    """Revoke every personal token of the user."""

    authentication_classes = [tokens.ApiTokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        tokens.revoke_all_tokens(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
