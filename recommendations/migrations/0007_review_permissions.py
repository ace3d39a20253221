"""Measures and the four-eyes review in the staff groups: Editors add and change measures and propose progress
overrides (stored pending under REVIEW_REQUIRED); Reviewers also approve or reject links, measures and overrides
written by someone else, and delete measures."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    ("recommendations", "view_measure"),
    ("recommendations", "add_measure"),
    ("recommendations", "change_measure"),
    ("recommendations", "add_progress"),
    ("recommendations", "change_progress"),
]
REVIEWER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    ("recommendations", "delete_measure"),
    ("recommendations", "review_billlink"),
    ("recommendations", "review_measure"),
    ("recommendations", "review_progress"),
]
GROUPS = {"Editors": EDITOR_PERMISSIONS, "Reviewers": REVIEWER_PERMISSIONS}


def _permissions(apps, wanted):
    Permission = apps.get_model("auth", "Permission")
    for app_label, codename in wanted:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            yield permission


def grant(apps, schema_editor):
    # On a new database the permissions are made only after all migrations; make them now.
    app_config = apps.get_app_config("recommendations")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*_permissions(apps, wanted))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, wanted in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(*_permissions(apps, wanted))


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("recommendations", "0006_measures_and_review"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
