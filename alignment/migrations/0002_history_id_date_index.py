"""Index the link history on (id, history_date) for point-in-time reads (as_of)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("alignment", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX alignment_historicalalignmentlink_id_date "
            "ON alignment_historicalalignmentlink (id, history_date)",
            reverse_sql="DROP INDEX alignment_historicalalignmentlink_id_date",
        )
    ]
