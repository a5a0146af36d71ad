from django.urls import path

from .views import register

app_name = "risks"

urlpatterns = [
    path("", register.risk_list, name="list"),
    path("<int:pk>/", register.risk_detail, name="detail"),
]
