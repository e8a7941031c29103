from django.urls import path

from files import views

urlpatterns = [path("", views.index, name="index")]
