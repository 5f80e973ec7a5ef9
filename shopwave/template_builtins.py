"""Template tags every template gets without `{% load %}` (TEMPLATES "builtins").

`{% url %}` here replaces Django's built-in tag with one that memoizes `reverse()`.
Reversing a URL walks the resolver and reads the script prefix, URLconf and language
from context-locals: ~0.05 ms a call, and the site header alone has eleven links, so
it was about half of rendering a page's shell (measured in session 5). A URL depends
only on the view name, its arguments, the current app, the script prefix and the
URLconf, and the URL patterns do not change while a process runs (no i18n_patterns
here), so the result is cached under exactly those values: it cannot be stale. Only
arguments that are `str` or `int` values are cached (a model instance could render
differently under the same hash, a lazy string is not a str until it is evaluated); anything else is reversed as
Django's tag does. Syntax and behaviour (`as var`, NoReverseMatch, escaping) are
Django's own: the parser is reused and only the node's render differs.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.template import Context
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

REVERSE_CACHE_SIZE = 8192
_CACHEABLE = (str, int)


@functools.lru_cache(maxsize=REVERSE_CACHE_SIZE)
def _cached_reverse(
    view_name: str,
    args: tuple[str | int, ...],
    kwargs: tuple[tuple[str, str | int], ...],
    current_app: str | None,
    script_prefix: str,
    urlconf: str | None,
) -> str:
    # script_prefix is part of the key only: reverse() reads the same value itself.
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def cached_reverse(view_name: str, args: list[Any], kwargs: dict[str, Any], current_app: str | None) -> str:
    """reverse(), memoized when every argument is a plain str or int."""
    values = (view_name, current_app, *args, *kwargs.values())
    if all(value is None or isinstance(value, _CACHEABLE) for value in values):
        return _cached_reverse(
            view_name, tuple(args), tuple(sorted(kwargs.items())), current_app, get_script_prefix(), get_urlconf()
        )
    return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)


class CachedURLNode(URLNode):
    def render(self, context: Context) -> str:
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        try:
            current_app = request.current_app  # type: ignore[union-attr]
        except AttributeError:
            try:
                current_app = request.resolver_match.namespace  # type: ignore[union-attr]
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = cached_reverse(view_name, args, kwargs, current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: template.base.Parser, token: template.base.Token) -> CachedURLNode:
    """Django's {% url %} (same syntax), with reverse() memoized: see the module docstring."""
    node = django_url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
