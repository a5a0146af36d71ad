"""The OpenID Connect flow's two URLs, under the names django-allauth reverses."""

from django.urls import path

from . import oidc

urlpatterns = [
    path("<str:provider_id>/login/", oidc.oidc_login, name="openid_connect_login"),
    path(
        "<str:provider_id>/login/callback/",
        oidc.oidc_callback,
        name="openid_connect_callback",
    ),
]
