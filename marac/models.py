"""Imports every model module so that ``Base.metadata`` knows all tables (used by migrations and tests)."""

from marac import audit
from marac.access import models as access_models
from marac.cases import models as cases_models

__all__ = ["access_models", "audit", "cases_models"]
