"""Imports every model module so that ``Base.metadata`` knows all tables (used by migrations and tests)."""

import importlib

MODEL_MODULES = (
    "marac.audit",
    "marac.access.models",
    "marac.cases.models",
    "marac.agenda.models",
    "marac.agenda.documents_models",
    "marac.notify.models",
    "marac.actions.models",
    "marac.reports.models",
    "marac.scheduler_lease",
)


def load_all() -> None:
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


load_all()
