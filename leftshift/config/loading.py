"""Loading a config from a mapping, a DictConfig or nothing, and registering it with Hydra."""

from collections.abc import Mapping
from typing import Any

from leftshift.config.schema import Config, ConfigError
from leftshift.config.validation import freeze, iter_leaves, validate


def load(source: Any = None) -> Config:
    """Build a validated, frozen :class:`Config` from a dataclass, mapping, DictConfig or None.

    ``None`` gives the schema defaults (the ``default`` place). Mappings may be partial; unknown
    keys and wrong types raise :class:`ConfigError` naming the key.
    """
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(source, Config):
        if source._frozen:
            return source
        cfg = source
    else:
        try:
            schema = OmegaConf.structured(Config)
            if source is not None:
                if not isinstance(source, DictConfig | Mapping):
                    raise ConfigError([f"config must be a mapping, got {type(source).__name__}"])
                schema = OmegaConf.merge(schema, source)
            built = OmegaConf.to_object(schema)
            assert isinstance(built, Config)
            cfg = built
        except OmegaConfBaseException as exc:
            raise ConfigError([_omegaconf_message(exc)]) from None
    return freeze(validate(cfg))


def _omegaconf_message(exc: Exception) -> str:
    key = getattr(exc, "full_key", None) or "?"
    msg = str(exc).split("\n")[0]
    if "not in" in msg:
        parent = key.rsplit(".", 1)[0] if "." in key else ""
        hint = suggest_key(key)
        return (
            f"unknown key {key!r}"
            + (f" (did you mean {hint!r}?)" if hint else "")
            + (f" in section {parent!r}" if parent else "")
        )
    return f"{key}: {msg}"


def suggest_key(dotted_key: str) -> str | None:
    """Closest valid dotted key to a misspelt one, or None."""
    import difflib

    valid = [k for k, _, _ in iter_leaves(Config())]
    match = difflib.get_close_matches(dotted_key, valid, n=1, cutoff=0.6)
    return match[0] if match else None


def register_configs() -> None:
    """Register the schema in Hydra's ConfigStore as ``leftshift_schema``."""
    from hydra.core.config_store import ConfigStore

    ConfigStore.instance().store(name="leftshift_schema", node=Config)
