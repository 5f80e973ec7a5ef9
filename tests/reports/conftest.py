from tests.orders.conftest import shop  # noqa: F401 -- the same small shop as the order tests
