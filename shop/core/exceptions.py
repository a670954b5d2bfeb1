"""Domain errors: raised by services, shown to users as clear Chinese messages, never a 500.

One type, ``DomainError``, with a subclass per kind of refusal. Each kind carries the ``code``
and HTTP ``status`` the JSON API answers with (``shop.api.exceptions.api_exception_handler``):

=====================  ==============  ======  ==========================================
class                  code            status  meaning
=====================  ==============  ======  ==========================================
``DomainError``        ``invalid``     400     bad input or a business rule said no
``Invalid``            ``invalid``     400     the same, by name
``PermissionDenied``   ``forbidden``   403     the actor may not do this (``Forbidden``)
``NotFound``           ``not_found``   404     no such object, or not the actor's
``Conflict``           ``conflict``    409     not possible in the object's current state
``IllegalTransition``  ``conflict``    409     a state change the state machine refuses
=====================  ==============  ======  ==========================================

``fields`` optionally maps a field name to its message(s), shown next to the field.
"""


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user as is."""

    code = "invalid"
    status = 400

    def __init__(self, message, *, fields: dict | None = None):
        super().__init__(message)
        self.message = message
        self.fields = {
            name: [str(m) for m in (v if isinstance(v, list | tuple) else [v])]
            for name, v in (fields or {}).items()
        }

    def __str__(self) -> str:
        return str(self.message)


class Invalid(DomainError):
    """Bad input: the request cannot be carried out as given."""


class PermissionDenied(DomainError):
    """The actor may not do this to this object."""

    code = "forbidden"
    status = 403


Forbidden = PermissionDenied


class NotFound(DomainError):
    """No such object, or one the actor may not see (answered alike: no existence leak)."""

    code = "not_found"
    status = 404


class Conflict(DomainError):
    """Not possible in the object's current state."""

    code = "conflict"
    status = 409


class IllegalTransition(Conflict):
    """A state change that the state machine does not allow from the current state."""
