"""Background work of the knowledge base (run by the django-tasks worker)."""

from django_tasks import task

from samhandling.audit import context

from . import aggregates


@task()
def compute_aggregates() -> dict[str, int]:
    """Recomputes the coordination aggregates of the two quarters that ended last.

    Only ended quarters are published: figures of a running quarter recomputed day by day would
    let anyone who compares two days see a single case come or go. The quarter before the last
    is recomputed too, so that answers to its referrals that came after it ended are counted.
    Returns the number of rows stored per quarter.
    """
    with context.bound(channel="task"):
        last = aggregates.Quarter.current().previous
        return {str(quarter): aggregates.compute(str(quarter)) for quarter in (last, last.previous)}
