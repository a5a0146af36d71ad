"""Account pages under /accounts/ beside Django's sign-in and sign-out."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns: list = [
    path("signin-link/<str:token>/", views.signin_link, name="signin_link"),
    path("tokens/", views.token_list, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
]
