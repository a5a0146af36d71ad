from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        # The risk timeline shows link history without `risks` importing us.
        from risks.history import register_source

        from .history import risk_link_history

        register_source(risk_link_history)
