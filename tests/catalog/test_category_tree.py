"""The category tree: paths and depths kept by the database, moves, cycles, the menu."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction

from catalog import selectors, services
from catalog.models import Category
from tests.conftest import sql
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():  # type: ignore[no-untyped-def]
    electronics = CategoryFactory(name="Electronics", position=1)
    audio = CategoryFactory(name="Audio", parent=electronics, position=1)
    headphones = CategoryFactory(name="Headphones", parent=audio, position=1)
    earbuds = CategoryFactory(name="Earbuds", parent=headphones, position=1)
    speakers = CategoryFactory(name="Speakers", parent=audio, position=2)
    home = CategoryFactory(name="Home", position=2)
    for c in (electronics, audio, headphones, earbuds, speakers, home):
        c.refresh_from_db()
    return {c.name: c for c in (electronics, audio, headphones, earbuds, speakers, home)}


def path_of(*cats: Category) -> str:
    return "/" + "/".join(str(c.pk) for c in cats) + "/"


def test_paths_and_depths_are_kept_on_insert(tree):  # type: ignore[no-untyped-def]
    e, a, h, eb = tree["Electronics"], tree["Audio"], tree["Headphones"], tree["Earbuds"]
    assert (e.path, e.depth) == (path_of(e), 0)
    assert (eb.path, eb.depth) == (path_of(e, a, h, eb), 3)


def test_moving_a_subtree_repaths_every_descendant(tree):  # type: ignore[no-untyped-def]
    home, audio = tree["Home"], tree["Audio"]
    services.category_move(category=audio, new_parent=home)
    got = {c.name: (c.path, c.depth) for c in Category.objects.all()}
    h, eb, s = tree["Headphones"], tree["Earbuds"], tree["Speakers"]
    assert got["Audio"] == (path_of(home, audio), 1)
    assert got["Headphones"] == (path_of(home, audio, h), 2)
    assert got["Earbuds"] == (path_of(home, audio, h, eb), 3)
    assert got["Speakers"] == (path_of(home, audio, s), 2)
    assert got["Electronics"] == (path_of(tree["Electronics"]), 0)
    # Moving to the top level works too, also by plain SQL (an import, a DBA).
    sql("UPDATE catalog_category SET parent_id = NULL WHERE id = %s", [h.pk])
    assert Category.objects.get(pk=eb.pk).path == path_of(h, eb)
    assert Category.objects.get(pk=eb.pk).depth == 1


@pytest.mark.parametrize("target", ["Audio", "Headphones", "Earbuds"])
def test_a_category_cannot_move_under_itself_or_a_descendant(tree, target):  # type: ignore[no-untyped-def]
    audio = tree["Audio"]
    with pytest.raises(services.CatalogError, match="cannot be moved under itself"):
        services.category_move(category=audio, new_parent=tree[target])
    with pytest.raises(DatabaseError, match=r"catalog_category_no_cycles|cannot be moved"), transaction.atomic():
        sql("UPDATE catalog_category SET parent_id = %s WHERE id = %s", [tree[target].pk, audio.pk])
    audio.refresh_from_db()
    assert audio.parent_id == tree["Electronics"].pk


def test_the_menu_lists_each_category_once_in_order(tree):  # type: ignore[no-untyped-def]
    roots = selectors.category_tree()
    seen: list[str] = []

    def walk(nodes):  # type: ignore[no-untyped-def]
        for node in nodes:
            seen.append(node.name)
            walk(node.children)

    walk(roots)
    assert seen == ["Electronics", "Audio", "Headphones", "Earbuds", "Speakers", "Home"]
    assert len(seen) == len(set(seen)) == Category.objects.count()
    assert [n.name for n in selectors.category_tree(max_depth=1)[0].children] == ["Audio"]
    assert selectors.category_tree(max_depth=1)[0].children[0].children == []


def matches(word: str) -> set[str]:
    return {
        name
        for (name,) in sql(
            "SELECT name FROM catalog_product WHERE search_vector @@ websearch_to_tsquery('english', %s)", [word]
        )
    }


def test_search_finds_products_by_their_categories_ancestors(tree):  # type: ignore[no-untyped-def]
    from tests.factories import ProductFactory

    ProductFactory(name="Nimbus Pro", categories=[tree["Earbuds"]])
    ProductFactory(name="Boom Cube", categories=[tree["Speakers"]])
    ProductFactory(name="Tea Towel", categories=[tree["Home"]])
    assert matches("earbuds") == matches("headphones") == {"Nimbus Pro"}
    assert matches("audio") == {"Nimbus Pro", "Boom Cube"}
    # Departments (the top level) name only the products linked to them directly.
    assert matches("electronics") == set()
    assert matches("home") == {"Tea Towel"}

    # A rename reaches every product below the renamed category...
    Category.objects.filter(pk=tree["Audio"].pk).update(name="Sound")
    assert matches("audio") == set()
    assert matches("sound") == {"Nimbus Pro", "Boom Cube"}
    # ...and a move gives the subtree's products their new ancestors' names.
    services.category_move(category=tree["Headphones"], new_parent=tree["Home"])
    assert matches("sound") == {"Boom Cube"}
    assert matches("headphones") == {"Nimbus Pro"}
    assert matches("home") == {"Tea Towel"}
    services.category_move(category=tree["Speakers"], new_parent=tree["Headphones"])
    assert matches("headphones") == {"Nimbus Pro", "Boom Cube"}
    assert sql(
        "SELECT count(*) FROM catalog_product"
        " WHERE search_vector IS DISTINCT FROM catalog_product_search_vector(id, name, brand, description)"
    ) == [(0,)]
