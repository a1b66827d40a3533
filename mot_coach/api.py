"""Project-wide API pieces: the exception handler and the router every app registers with."""

from django.core.exceptions import ValidationError as DjangoValidationError
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
