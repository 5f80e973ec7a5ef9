"""The project's {% url %} (shopwave/template_builtins.py): Django's tag, with reverse() memoized."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from shopwave import template_builtins


def render(source: str, **context: object) -> str:
    return Template(source).render(Context(context))


def test_url_renders_what_reverse_returns_and_is_memoized():  # type: ignore[no-untyped-def]
    template_builtins._cached_reverse.cache_clear()
    source = "{% url 'catalog:product' slug %}|{% url 'catalog:wishlist_remove' pk %}|{% url 'home' %}"
    expected = "|".join(
        [
            reverse("catalog:product", args=["blue-kettle"]),
            reverse("catalog:wishlist_remove", args=[7]),
            reverse("home"),
        ]
    )
    assert render(source, slug="blue-kettle", pk=7) == expected
    assert render(source, slug="blue-kettle", pk=7) == expected
    info = template_builtins._cached_reverse.cache_info()
    assert (info.misses, info.hits) == (3, 3)
    assert render("{% url 'catalog:product' slug=slug %}", slug="red-kettle") == reverse(
        "catalog:product", kwargs={"slug": "red-kettle"}
    )


def test_the_script_prefix_is_part_of_the_key():  # type: ignore[no-untyped-def]
    try:
        set_script_prefix("/shop/")
        assert render("{% url 'home' %}") == "/shop/"
    finally:
        set_script_prefix("/")
    assert render("{% url 'home' %}") == "/"


def test_as_var_no_match_and_escaping_behave_like_djangos_tag():  # type: ignore[no-untyped-def]
    assert render("{% url 'nope' as link %}[{{ link }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'nope' %}")
    # reverse() quotes the arguments; the tag escapes the result in autoescaped output.
    expected = reverse("orders:detail", args=["SW-1&2"])
    assert "&" in expected
    assert render("{% url 'orders:detail' number %}", number="SW-1&2") == expected.replace("&", "&amp;")
    assert (
        render("{% autoescape off %}{% url 'orders:detail' number %}{% endautoescape %}", number="SW-1&2") == expected
    )


def test_arguments_that_are_not_plain_values_are_not_cached():  # type: ignore[no-untyped-def]
    class Slug:
        def __init__(self, value: str) -> None:
            self.value = value

        def __str__(self) -> str:
            return self.value

    template_builtins._cached_reverse.cache_clear()
    assert render("{% url 'catalog:product' slug %}", slug=Slug("green-kettle")) == reverse(
        "catalog:product", args=["green-kettle"]
    )
    assert template_builtins._cached_reverse.cache_info().currsize == 0
