import gc
import os

from django.core.wsgi import get_wsgi_application

from samhandling.config.warm import freeze_when_warm

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samhandling.config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the URL configuration, the apps) lives as long as the
# process: frozen out of the garbage collector's sight, it is not scanned again in each full
# collection, which otherwise pauses a request for tens of milliseconds.
gc.freeze()
# And again when the first requests have compiled the templates and filled the caches.
freeze_when_warm()
