"""The layer registry: `layers/*.yml`, the single source of truth for every harmonized theme."""

from sig.registry.loader import Registry, RegistryError, get_registry, load_registry
from sig.registry.schema import Attribute, AttributeType, GeometryType, Theme

__all__ = [
    "Attribute", "AttributeType", "GeometryType", "Registry", "RegistryError", "Theme",
    "get_registry", "load_registry",
]
