"""Form widgets rendered with the project's template overrides first.

Django's default form renderer only looks in installed apps, so an override under
``templates/`` (e.g. Oscar's image upload widget without ``onload``/``onerror`` attributes,
which the CSP blocks) would never be used for widgets."""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property


class ProjectTemplatesFormRenderer(DjangoTemplates):
    @cached_property
    def engine(self):
        project_dirs = [d for t in settings.TEMPLATES for d in t.get("DIRS", [])]
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [*project_dirs, Path(django.forms.__file__).parent / self.backend.app_dirname],
                "NAME": "djangoforms",
                "OPTIONS": {},
            }
        )
