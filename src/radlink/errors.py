"""Errors raised by service functions; the HTTP and CLI boundaries translate them."""


class ServiceError(Exception):
    """A request that cannot be carried out; the message is safe to show (no patient data)."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class Invalid(ServiceError):
    pass
