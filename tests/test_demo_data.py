"""`make run` loads the demo data set through the same code paths shoppers and staff use."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from orders.models import Order
from reports.management.commands.check_integrity import Command as CheckIntegrity

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_order_status_and_passes_integrity(capsys):  # type: ignore[no-untyped-def]
    call_command("load_demo_data", "--if-empty")
    statuses = set(Order.objects.filter(user__email="shopper@shopwave.example").values_list("status", flat=True))
    assert statuses == {s.value for s in Order.Status}
    call_command("load_demo_data", "--if-empty")  # a second run changes nothing
    assert Order.objects.filter(user__email="shopper@shopwave.example").count() == len(statuses)
    call_command(CheckIntegrity())
    assert "All integrity checks passed" in capsys.readouterr().out
