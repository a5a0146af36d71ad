"""Account pages under /accounts/ beside Django's sign-in and sign-out."""

app_name = "accounts"

urlpatterns: list = []
