"""Querysets of a fixed shape, turned into SQL by Django once and then run with each call's values.

Django turns a queryset into SQL anew every time it is evaluated: 0.4–1.2 ms a query with
joined tables on the project's machine, 11 ms of My work's 50 (bench/breakdown.py). A
`CompiledQuery` wraps a function that builds a queryset from plain values:

    tasks_due = CompiledQuery(lambda user_id, week_end: Task.objects.filter(
        assignee_id=user_id, due__lte=week_end).select_related("case__person")[:50])
    tasks = tasks_due(user.pk, week_end)          # a list of Task, as list(queryset)

The first call with a given *shape* of values calls the function twice: with a stand-in for
each value (a value of the same type that no real row has) and with the real values, and
lets Django compile both. Wherever a stand-in turns up among the SQL's parameters (as it is,
as the backend adapts a date or a datetime, or inside the LIKE pattern that `contains`,
`icontains` and `startswith` make of a text), later calls put their own value in its place,
adapted the same way; the SQL's text is reused as it is. The two compilations
must agree, the same SQL and, with the real values put in, the same parameters; where they
do not, the shape is never cached and each call evaluates the queryset as Django would.

A value's shape is its type for an int, a string, a date or a datetime (which travel as
parameters); the value itself for a bool or None (they change the SQL's text); its length
and its items' shapes for a list or a tuple; the SQL text and its parameters' shapes for a
`RawSQL`. A value that changes the SQL's text in some other way must be a bool or go in
`shape=`; the first-call check, and the check of every call under
`COMPILED_QUERIES_VERIFY` (on in the test suite), find one that was not.

Rows become model objects as Django's own iteration makes them (select_related included).
The query goes to the database the router names for its model, through the connection's
wrappers, so that the SQL is the same statement each time and PostgreSQL prepares it.
"""

from __future__ import annotations

import copy
import datetime
import itertools
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Page, Paginator
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler

from .planning import planned_each_time

M = TypeVar("M")  # what a row becomes: a model object (or a dict, for .sql() only)

MAX_SHAPES = 200
"""Shapes kept per query (a page number is one): past them a new shape is compiled each time."""
_UNCACHEABLE = object()
_EMPTY = object()  # the SQL can match nothing (Django raises EmptyResultSet): no query at all


@dataclass(frozen=True)
class _Slot:
    """Parameter `index` of the SQL takes leaf value `leaf`, adapted as `adapt` says."""

    index: int
    leaf: int
    adapt: str  # "" as it is; "date", "datetime": the backend's adaptation of the type;
    # "contains", "startswith": a LIKE pattern of the text, as (i)contains and startswith make it


@dataclass
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # the constants, with the slots' places to fill
    slots: tuple[_Slot, ...]
    compiler: SQLCompiler | None  # None for SQL used only as text (CompiledQuery.sql)
    # How each column's value is converted (SQLCompiler.get_converters), found at the first
    # run: it depends only on the selected columns, which the SQL fixes. None: not yet found.
    converters: dict[int, tuple[list[Any], Any]] | None = None
    composite: bool = False  # a composite primary key's columns: Django's own results_iter


def _shape(value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | str | datetime.date):  # datetime is a date
        return type(value).__name__
    if isinstance(value, list | tuple):
        return (type(value).__name__, tuple(_shape(item) for item in value))
    if isinstance(value, RawSQL):
        return ("RawSQL", value.sql, tuple(_shape(param) for param in value.params))
    raise TypeError(f"CompiledQuery takes ints, strings, dates, bools and RawSQL, not {value!r}")


def _leaves(value: Any) -> list[Any]:
    """The values that travel as parameters, in order."""
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    if isinstance(value, RawSQL):
        return [leaf for param in value.params for leaf in _leaves(param)]
    return [value]


def _stand_ins(value: Any, counter: itertools.count[int]) -> Any:
    """`value` with every leaf replaced by a value of its type that no real row holds."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, list | tuple):
        return type(value)(_stand_ins(item, counter) for item in value)
    if isinstance(value, RawSQL):
        stand_in_params = tuple(_stand_ins(param, counter) for param in value.params)
        return RawSQL(value.sql, stand_in_params)  # noqa: S611 - the same SQL, other values
    n = next(counter)
    if isinstance(value, datetime.datetime):
        return datetime.datetime(1001 + n, 2, 3, 4, 5, 6, 789, tzinfo=datetime.UTC)
    if isinstance(value, datetime.date):
        return datetime.date(1001 + n, 2, 3)
    if isinstance(value, str):
        return f"stand-in\x1f{n}\x1fvalue"  # what .strip() leaves as it is
    return -(7 * 10**15) - n


ADAPTATIONS = ("", "date", "datetime", "contains", "startswith")


def _adapted(value: Any, adapt: str, connection: Any) -> Any:
    if adapt == "contains":
        return f"%{connection.ops.prep_for_like_query(value)}%"
    if adapt == "startswith":
        return f"{connection.ops.prep_for_like_query(value)}%"
    if adapt == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    if adapt == "date":
        return connection.ops.adapt_datefield_value(value)
    return value


def _compile(queryset: QuerySet[Any], alias: str) -> tuple[str, tuple[Any, ...], SQLCompiler]:
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    return sql, tuple(params), compiler


class CompiledQuery(Generic[M]):
    """A queryset builder whose SQL Django compiles once per shape of values and database."""

    def __init__(self, build: Callable[..., QuerySet[Any, M]], *, prepared: bool = True) -> None:
        """`prepared` False: PostgreSQL plans the SQL with each call's values, never once for
        all (config/planning.py: the searches, whose plan depends on their words)."""
        self.build = build
        self.prepared = prepared
        self._cache: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()
        self._model: type[Model] | None = None

    # --- the calls ----------------------------------------------------------------------------

    def __call__(self, *values: Any, shape: tuple[Any, ...] = ()) -> list[M]:
        """The queryset's objects, as `list(build(*values))` would give them."""
        return self._objects(values, shape, None)

    def count(self, *values: Any, shape: tuple[Any, ...] = ()) -> int:
        """How many rows the queryset has, as `build(*values).count()` would say."""
        compiled = self._compiled(values, ("count", *shape), "count")
        if compiled is _UNCACHEABLE:
            with self._planning():
                return self.build(*values).count()
        if compiled is _EMPTY:
            return 0
        alias, entry = compiled
        with self._planning(alias), connections[alias].cursor() as cursor:
            cursor.execute(entry.sql, self._params(entry, values, alias))
            return int(cursor.fetchone()[0])

    def page(self, *values: Any, per_page: int, number: int | str | None,
             count: int | None = None) -> Page[M]:  # fmt: skip
        """Page `number` of the queryset (`Paginator.get_page`: past the end, the last), its
        rows read once; `count`, the number of rows when the caller knows it already (then
        it is not counted again)."""
        pages: Any = _Pages(self, values, per_page, count)
        page: Page[M] = Paginator(pages, per_page).get_page(number)
        page.object_list = list(page.object_list)
        return page

    def rows(self, *values: Any, shape: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of a `values_list()` queryset (not flat, not named), as
        `list(build(*values))` would give them: tuples, each value as Django converts it."""
        compiled = self._compiled(values, ("rows", *shape), "rows")
        if compiled is _EMPTY:
            return []
        with self._planning(None if compiled is _UNCACHEABLE else compiled[0]):
            if compiled is _UNCACHEABLE:
                return list(self._queryset(values, "rows", None))
            alias, entry = compiled
            rows = _results(entry, self._params(entry, values, alias), alias)[1]
            return [tuple(row) for row in rows]

    def sql(self, *values: Any, shape: tuple[Any, ...] = ()) -> RawSQL:
        """The queryset's SQL with these values, to use inside another query (`pk__in=`)."""
        compiled = self._compiled(values, ("sql", *shape), "sql")
        if compiled is _UNCACHEABLE:
            return RawSQL(*self.build(*values).query.sql_with_params())  # noqa: S611 - Django's own SQL
        if compiled is _EMPTY:
            raise EmptyResultSet
        alias, entry = compiled
        return RawSQL(entry.sql, self._params(entry, values, alias))  # noqa: S611 - Django's own SQL

    # --- how -----------------------------------------------------------------------------------

    def _queryset(self, values: Sequence[Any], kind: str, bounds: tuple[int, int] | None) -> Any:
        queryset: Any = self.build(*values)
        if bounds is not None:
            queryset = queryset[bounds[0] : bounds[1]]
        if kind == "count":
            queryset = queryset.order_by().values("pk")
        return queryset

    def _compiled(self, values: Sequence[Any], shape: tuple[Any, ...], kind: str,
                  bounds: tuple[int, int] | None = None) -> Any:  # fmt: skip
        shapes = tuple(_shape(value) for value in values)
        if self._model is None:
            self._model = self.build(*values).model
        alias = router.db_for_read(self._model)
        key = (alias, shape, shapes)
        entry = self._cache.get(key)
        if entry is None:
            entry = self._first(values, alias, kind, bounds)
            with self._lock:
                if len(self._cache) < MAX_SHAPES:
                    self._cache.setdefault(key, entry)
        elif entry is not _UNCACHEABLE and settings.COMPILED_QUERIES_VERIFY:
            self._verify(entry, values, alias, kind, bounds)
        if entry is _UNCACHEABLE or entry is _EMPTY:
            return entry
        return alias, entry

    def _first(self, values: Sequence[Any], alias: str, kind: str,
               bounds: tuple[int, int] | None) -> Any:  # fmt: skip
        """Compile with stand-ins and with the real values; a cache entry if they agree."""
        counter = itertools.count()
        stand_ins = [_stand_ins(value, counter) for value in values]
        try:
            stand_in_sql, stand_in_params, compiler = _compile(
                self._queryset(stand_ins, kind, bounds), alias
            )
        except EmptyResultSet:
            stand_in_sql = ""
        except (TypeError, ValueError):
            return _UNCACHEABLE  # a stand-in where no value can be (a slice's negative bound)
        queryset = self._queryset(values, kind, bounds)
        try:
            real_sql, real_params, _compiler = _compile(queryset, alias)
        except EmptyResultSet:
            real_sql = ""
        if not stand_in_sql or not real_sql:
            return _EMPTY if stand_in_sql == real_sql else _UNCACHEABLE
        if kind == "objects" and (queryset._iterable_class is not ModelIterable
                                  or queryset._prefetch_related_lookups
                                  or queryset._known_related_objects):  # fmt: skip
            return _UNCACHEABLE  # rows that are not plain model objects: Django makes them
        if kind == "rows" and (queryset._iterable_class is not ValuesListIterable
                               or _reordered(queryset)):  # fmt: skip
            return _UNCACHEABLE  # dicts, named, flat or reordered rows: Django makes them
        if stand_in_sql != real_sql or len(stand_in_params) != len(real_params):
            return _UNCACHEABLE
        connection = connections[alias]
        leaves = [leaf for value in stand_ins for leaf in _leaves(value)]
        slots, constants = [], list(stand_in_params)
        for index, param in enumerate(stand_in_params):
            for number, leaf in enumerate(leaves):
                adapt = next((way for way in ADAPTATIONS
                              if _matches(param, leaf, way, connection)), None)  # fmt: skip
                if adapt is not None:
                    slots.append(_Slot(index, number, adapt))
                    constants[index] = None
                    break
        if kind == "count":
            stand_in_sql = f"SELECT COUNT(*) FROM ({stand_in_sql}) counted"  # noqa: S608 - Django's SQL
        entry = _Compiled(stand_in_sql, tuple(constants), tuple(slots),
                          compiler if kind in ("objects", "rows") else None)  # fmt: skip
        if not _same_params(self._params(entry, values, alias), real_params):
            return _UNCACHEABLE
        return entry

    def _verify(self, entry: Any, values: Sequence[Any], alias: str, kind: str,
                bounds: tuple[int, int] | None) -> None:  # fmt: skip
        """COMPILED_QUERIES_VERIFY: the cached SQL is what Django makes of these values."""
        try:
            sql, params, _compiler = _compile(self._queryset(values, kind, bounds), alias)
        except EmptyResultSet:
            sql, params = "", ()
        if kind == "count" and sql:
            sql = f"SELECT COUNT(*) FROM ({sql}) counted"  # noqa: S608 - Django's SQL
        if entry is _EMPTY:
            found: tuple[str, tuple[Any, ...]] = ("", ())
        else:
            found = (entry.sql, self._params(entry, values, alias))
        if found[0] != sql or not _same_params(found[1], tuple(params)):
            raise AssertionError(
                f"{self.build.__qualname__}: the cached SQL is not Django's for these values: "
                "a value changes the SQL's text; pass it in shape="
            )

    @staticmethod
    def _params(entry: _Compiled, values: Sequence[Any], alias: str) -> tuple[Any, ...]:
        connection = connections[alias]
        leaves = [leaf for value in values for leaf in _leaves(value)]
        params = list(entry.params)
        for slot in entry.slots:
            params[slot.index] = _adapted(leaves[slot.leaf], slot.adapt, connection)
        return tuple(params)

    def _objects(self, values: Sequence[Any], shape: tuple[Any, ...],
                 bounds: tuple[int, int] | None) -> list[M]:  # fmt: skip
        compiled = self._compiled(values, ("objects", *shape, bounds), "objects", bounds)
        if compiled is _EMPTY:
            return []
        with self._planning(None if compiled is _UNCACHEABLE else compiled[0]):
            if compiled is _UNCACHEABLE:
                return list(self._queryset(values, "objects", bounds))
            alias, entry = compiled
            return _rows_as_objects(entry, self._params(entry, values, alias), alias)

    def _planning(self, alias: str | None = None) -> AbstractContextManager[None]:
        """Where the query is not to be prepared, its statements planned each time."""
        if self.prepared:
            return nullcontext()
        assert self._model is not None  # known since _compiled
        return planned_each_time(alias or router.db_for_read(self._model))


def _same_params(these: tuple[Any, ...], those: tuple[Any, ...]) -> bool:
    """The same parameters; a JSON value (psycopg's Json and Jsonb, which have no equality of
    their own: a JSON field's lookups) by the value it wraps."""
    return len(these) == len(those) and all(
        this == that or (type(this) is type(that) and hasattr(this, "obj") and this.obj == that.obj)
        for this, that in zip(these, those, strict=True)
    )


def _reordered(queryset: Any) -> bool:
    """Whether ValuesListIterable reorders the columns of the SQL into the rows it gives."""
    query = queryset.query
    names = [*query.extra_select, *query.values_select, *query.annotation_select]
    fields = [*queryset._fields, *(f for f in query.annotation_select if f not in queryset._fields)]
    return bool(queryset._fields) and fields != names


def _matches(param: Any, leaf: Any, adapt: str, connection: Any) -> bool:
    if adapt in ("contains", "startswith") and not isinstance(leaf, str):
        return False
    if adapt == "datetime" and not isinstance(leaf, datetime.datetime):
        return False
    if adapt == "date" and (not isinstance(leaf, datetime.date)
                            or isinstance(leaf, datetime.datetime)):  # fmt: skip
        return False
    expected = _adapted(leaf, adapt, connection)
    return type(param) is type(expected) and param == expected


def _results(entry: _Compiled, params: tuple[Any, ...], alias: str) -> tuple[SQLCompiler, Any]:
    """The cached SQL run by a copy of its compiler; the rows, each value converted."""
    assert entry.compiler is not None
    compiler = copy.copy(entry.compiler)
    compiler.connection = connections[alias]  # this thread's connection
    compiler.as_sql = lambda *args, **kwargs: (entry.sql, params)  # type: ignore[method-assign]
    results: Any = compiler.execute_sql()
    if entry.converters is None:
        fields = [column[0] for column in compiler.select[0 : compiler.col_count]]
        entry.composite = compiler.has_composite_fields(fields)
        entry.converters = compiler.get_converters(fields)
    if entry.composite:
        return compiler, compiler.results_iter(results)
    # As results_iter, with the converters found once (some 20 columns' worth of lookups a
    # query: 0.7 ms of a case page's 29 statements). They are called with this connection.
    rows: Any = itertools.chain.from_iterable(results)
    if entry.converters:
        rows = compiler.apply_converters(rows, entry.converters)
    return compiler, rows


def _rows_as_objects(entry: _Compiled, params: tuple[Any, ...], alias: str) -> list[Any]:
    """The rows of the cached SQL as model objects, as Django's ModelIterable makes them."""
    compiler, rows = _results(entry, params, alias)
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    assert klass_info is not None
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    # Django 5.2's signature (the type stubs know a later one)
    related_populators = get_related_populators(klass_info, select, alias)  # type: ignore[call-arg]
    objects = []
    for row in rows:
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        if annotation_col_map:
            for attr_name, col_pos in annotation_col_map.items():
                setattr(obj, attr_name, row[col_pos])
        objects.append(obj)
    return objects


class _Pages:
    """What Paginator needs of a CompiledQuery: a count and slices."""

    def __init__(self, query: CompiledQuery[Any], values: Sequence[Any], per_page: int,
                 known: int | None) -> None:  # fmt: skip
        self.query, self.values, self.per_page, self.known = query, values, per_page, known

    def count(self) -> int:
        return self.query.count(*self.values) if self.known is None else self.known

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, bounds: slice) -> list[Any]:
        # A whole page's bounds, also for the last page (Paginator ends it at the count): the
        # same rows, and one SQL for every page at the same place whatever the count.
        start = bounds.start or 0
        return self.query._objects(self.values, (), (start, start + self.per_page))
