"""config/forms.py: a choice field whose choices every form of its class shares."""

from django import forms

from samhandling.config.forms import FixedChoiceField, FixedMultipleChoiceField, Form


class _Filter(Form):
    kind = FixedChoiceField(choices=[("", "Any"), ("a", "A"), ("b", "B")], required=False)
    tags = FixedMultipleChoiceField(
        choices=[("x", "X"), ("y", "Y")], required=False, widget=forms.CheckboxSelectMultiple
    )


def test_each_form_has_its_own_fields_and_widgets_but_shares_the_list_of_choices() -> None:
    one, other = _Filter(), _Filter()
    for name in ("kind", "tags"):
        assert one.fields[name] is not other.fields[name]
        assert one.fields[name].widget is not other.fields[name].widget
        assert one.fields[name].widget.attrs is not other.fields[name].widget.attrs
        assert one.fields[name].choices is _Filter.base_fields[name].choices  # type: ignore[attr-defined]
    assert one.fields["kind"].widget.attrs["class"] == "ds-input"  # not "ds-input ds-input"


def test_a_form_that_gives_its_field_other_choices_changes_only_its_own() -> None:
    one, other = _Filter({"kind": "c"}), _Filter({"kind": "c"})
    one.fields["kind"].choices = [("c", "C")]  # type: ignore[attr-defined]
    assert one.is_valid()
    assert not other.is_valid()
    assert "kind" in other.errors
    assert [value for value, _label in _Filter().fields["kind"].choices] == ["", "a", "b"]  # type: ignore[attr-defined]
    assert 'value="c"' in str(one["kind"]) and 'value="c"' not in str(other["kind"])


def test_the_choices_are_validated_and_rendered_as_djangos_own_fields_do() -> None:
    class _Plain(Form):
        kind = forms.ChoiceField(choices=[("", "Any"), ("a", "A"), ("b", "B")], required=False)
        tags = forms.MultipleChoiceField(
            choices=[("x", "X"), ("y", "Y")], required=False, widget=forms.CheckboxSelectMultiple
        )

    for data in ({"kind": "a", "tags": ["x", "y"]}, {"kind": "z"}, {"tags": ["q"]}, {}):
        fixed, plain = _Filter(data), _Plain(data)
        assert fixed.is_valid() == plain.is_valid()
        assert fixed.errors == plain.errors
        assert str(fixed) == str(plain)
