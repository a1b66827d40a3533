"""Project-wide API pieces: the exception handler and the router every app registers with."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers
from rest_framework.routers import DefaultRouter
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # Services validate with Django's ValidationError (the same rules the web forms use);
    # in the API that is a 400 with the field messages, not a 500.
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = serializers.ValidationError(detail)
    return drf_exception_handler(exc, context)


router = DefaultRouter()


@csrf_exempt  # nothing is changed; a PUT to a wrong path gets the 404, not a CSRF page
def api_not_found(request, *args, **kwargs):
    """An API path that names nothing: the same JSON 404 as an object outside your scope."""
    return JsonResponse({"detail": _("Not found.")}, status=404)
