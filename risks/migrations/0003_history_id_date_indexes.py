"""Index history tables on (id, history_date).

simple-history's point-in-time query (`as_of`) finds, for each object id, its
latest row before a date; the Composite index it offers is (history_date, id),
the wrong way round for that. RunSQL keeps the models free of an index that
`makemigrations` would otherwise try to manage.
"""

from django.db import migrations

TABLES = [
    "risks_historicalrisk",
    "risks_historicalreview",
    "risks_historicalcontrol",
    "risks_historicalaction",
]


class Migration(migrations.Migration):
    dependencies = [("risks", "0002_add_reminder_log")]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX {table}_id_date ON {table} (id, history_date)",
            reverse_sql=f"DROP INDEX {table}_id_date",
        )
        for table in TABLES
    ]
