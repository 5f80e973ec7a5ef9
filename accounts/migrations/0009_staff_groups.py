"""Staff groups (Managers, Support, Analysts) with their model permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Managers": {
        "accounts": [
            "view_user",
            "change_user",
            "view_address",
            "view_paymentmethod",
            "view_loginthrottle",
            "change_loginthrottle",
            "add_seller",
            "change_seller",
            "view_seller",
            "add_sellermember",
            "change_sellermember",
            "delete_sellermember",
            "view_sellermember",
        ],
        "catalog": "*",
        "orders": "*",
        "promotions": "*",
        "audit": ["view_auditlog"],
        "reports": "*",
    },
    "Support": {
        "accounts": [
            "view_user",
            "view_address",
            "view_paymentmethod",
            "view_loginthrottle",
            "change_loginthrottle",
            "view_seller",
        ],
        "catalog": [
            "view_category",
            "view_product",
            "view_productimage",
            "view_productcategory",
            "view_variant",
            "view_review",
            "change_review",
            "view_wishlistitem",
        ],
        "orders": [
            "view_order",
            "change_order",
            "view_orderitem",
            "view_orderstatushistory",
            "view_paymenttransaction",
            "view_shippingmethod",
            "view_taxrate",
        ],
        "promotions": ["view_promotion", "view_redemption"],
        "audit": ["view_auditlog"],
    },
    "Analysts": {
        "catalog": ["view_category", "view_product", "view_variant"],
        "reports": ["view_dailysales", "view_productperformance", "view_customerlifetimevalue"],
    },
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, per_app in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = []
        for app_label, codenames in per_app.items():
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if codenames != "*":
                perms = perms.filter(codename__in=codenames)
            wanted += list(perms)
        group.permissions.set(wanted)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUP_PERMISSIONS)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_session_level_context"),
        ("catalog", "0005_review_author_trigger"),
        ("orders", "0005_units_sold"),
        ("promotions", "0002_redemption_limits"),
        ("reports", "0002_analytics_views"),
        ("audit", "0002_audit_log_table"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
