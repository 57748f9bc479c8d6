"""A background task that fails as a bug would, with personal data in its error's message."""

from __future__ import annotations

from django_tasks import task

from samhandling.people.models import Person


@task()
def describe_person(person_id: int) -> str:
    person = Person.objects.get(pk=person_id)
    raise ValueError(f"cannot describe {person.full_name} ({person.national_id})")
