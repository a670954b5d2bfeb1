"""Domain errors: raised by services, shown to users as clear Chinese messages, never a 500."""


class DomainError(Exception):
    """A business rule said no. ``message`` is shown to the user as is."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class IllegalTransition(DomainError):
    """A state change that the state machine does not allow from the current state."""


class PermissionDenied(DomainError):
    """The actor may not do this to this object."""
