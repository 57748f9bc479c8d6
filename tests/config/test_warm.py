import gc
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished
from django.test import Client

from samhandling.config import warm


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    request_finished.disconnect(dispatch_uid=warm.__name__)
    gc.unfreeze()


def test_the_process_freezes_again_after_its_first_requests(db: None, unfrozen: None) -> None:
    warm.freeze_when_warm(after=(2, 3))
    client = Client()
    client.get("/healthz")
    assert gc.get_freeze_count() == 0
    client.get("/healthz")
    first = gc.get_freeze_count()
    assert first > 0  # what the requests left alive, out of the full collections' sight
    client.get("/healthz")
    assert gc.get_freeze_count() > first
    # Then it has done what it was for and no longer listens.
    gc.unfreeze()
    client.get("/healthz")
    assert gc.get_freeze_count() == 0
    assert not request_finished.disconnect(dispatch_uid=warm.__name__)


def test_the_served_application_freezes_when_warm(unfrozen: None) -> None:
    from samhandling.config import wsgi

    assert wsgi.application is not None
    assert any(key[0] == warm.__name__ for key, _receiver, *_rest in request_finished.receivers)
