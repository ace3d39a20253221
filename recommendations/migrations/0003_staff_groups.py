"""The staff groups of the contract: Editors (link bills, triage, see progress) and Reviewers (also change and
unlink, and review progress). Membership is managed in the admin; the API and the admin check these permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    ("recommendations", "view_billlink"),
    ("recommendations", "add_billlink"),
    ("recommendations", "change_billlink"),
    ("recommendations", "view_progress"),
    ("recommendations", "view_triagecandidate"),
    ("recommendations", "change_triagecandidate"),
    ("recommendations", "view_savedsearch"),
    ("legislation", "view_importrun"),
]
REVIEWER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    ("recommendations", "delete_billlink"),
    ("recommendations", "add_progress"),
    ("recommendations", "change_progress"),
]
GROUPS = {"Editors": EDITOR_PERMISSIONS, "Reviewers": REVIEWER_PERMISSIONS}


def create_groups(apps, schema_editor):
    # On a new database the permissions are made only after all migrations; make them now.
    for label in ("legislation", "recommendations"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("legislation", "0001_initial"),
        ("recommendations", "0002_saved_searches_triage"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
