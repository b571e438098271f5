"""Message.body_text: the rendered message as plain text, for search (rooms.formatting)."""

from django.db import migrations, models


def derive_existing_texts(apps, schema_editor):
    """Every message saved before this: its plain text from its stored HTML, in batches."""
    from rooms.formatting import plain_text

    message_model = apps.get_model("rooms", "Message")
    last_id = 0
    while True:
        batch = list(
            message_model.objects.filter(id__gt=last_id).exclude(body_html="")
            .order_by("id").only("id", "body_html")[:1000]
        )
        if not batch:
            return
        for message in batch:
            message.body_text = plain_text(message.body_html)
        message_model.objects.bulk_update(batch, ["body_text"])
        last_id = batch[-1].id


class Migration(migrations.Migration):
    dependencies = [("rooms", "0009_message_client_key")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="body_text",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(derive_existing_texts, migrations.RunPython.noop, elidable=True),
    ]
