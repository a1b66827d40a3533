"""`POST /api/auth/token/`: DRF's token view, answering 429 when the login is locked out.

DRF authenticates with its own Request object, which Axes marks but its middleware (working on
Django's request) never sees: without this the locked-out caller would get the same 400 as a
wrong password, and would not know that the right one is refused too.
"""

from django.contrib.auth.signals import user_logged_in
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response

from .lockout import LOCKED_MESSAGE


class ObtainAuthTokenWithLockout(ObtainAuthToken):
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            return Response({"detail": str(LOCKED_MESSAGE)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if not valid:
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        user = serializer.validated_data["user"]
        token, _created = Token.objects.get_or_create(user=user)
        # A token is a login: last_login is stamped and Axes forgets the account's earlier typos.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": token.key})


obtain_auth_token = ObtainAuthTokenWithLockout.as_view()
