from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("cases/<int:case_id>/", views.case, name="case"),
    path("cases/<int:case_id>/voice/", views.add_voice, name="add_voice"),
    path("consents/", views.consents, name="consents"),
    path("cases/<int:case_id>/consents/new/", views.give_consent, name="give_consent"),
    path("consents/<int:consent_id>/withdraw/", views.withdraw_consent, name="withdraw_consent"),
    path("people/<int:person_id>/access-log/", views.access_log, name="access_log"),
    path("my-data/", views.exports, name="exports"),
    path("my-data/new/", views.request_export, name="request_export"),
    path("my-data/<uuid:export_id>/", views.export, name="export"),
    path("my-data/<uuid:export_id>/progress/", views.export_progress, name="export_progress"),
    path("my-data/<uuid:export_id>/download/", views.export_download, name="export_download"),
    path("my-data/<uuid:export_id>/print/", views.export_print, name="export_print"),
    path("demo-sign-in/", views.demo_sign_in, name="demo_sign_in"),
]
