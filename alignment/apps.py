from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    name = "alignment"
    verbose_name = "Alignment"

    def ready(self) -> None:
        # The risk timeline shows link history without `risks` importing us.
        from risks.cycle import register_flag_source
        from risks.history import register_source

        from .cycle import risk_drift_flags
        from .history import risk_link_history

        register_source(risk_link_history)
        register_flag_source(risk_drift_flags)
