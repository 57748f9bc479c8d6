from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.sign_in, name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("second-factor/", views.second_factor_view, name="second_factor"),
    path("sessions/", views.sessions, name="sessions"),
    path("membership/", views.switch_membership, name="switch_membership"),
]
