"""ORM models. Importing this package registers every table on ``Base.metadata``."""

from server.models.accounts import Device, User
from server.models.base import Base
from server.models.registry import Enterprise, Person, Project, Station

__all__ = ["Base", "Device", "Enterprise", "Person", "Project", "Station", "User"]
