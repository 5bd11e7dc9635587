"""Loading a config from a mapping, a DictConfig or nothing, and registering it with Hydra."""

import functools
import os
import re
from collections.abc import Mapping
from typing import Any

from leftshift.config.schema import Config, ConfigError
from leftshift.config.validation import freeze, iter_leaves, to_container, validate

#: set to 1 to let config values call OmegaConf resolvers such as ``${oc.env:NAME}``
ALLOW_RESOLVERS_VARIABLE = "LEFTSHIFT_ALLOW_RESOLVERS"
#: an interpolation that calls a resolver, ``${name:...}`` (``${a.b}`` only refers to a key)
RESOLVER_CALL = re.compile(r"(?<!\\)\$\{\s*[A-Za-z_][\w.\-]*\s*:")


@functools.cache
def _structured_schema() -> Any:
    """The schema as an OmegaConf structured config, built once per process.

    Building it is most of a load's time (about 63 of 73 ms): it walks every dataclass and
    wraps every default in a node. ``OmegaConf.merge`` copies its first argument and
    ``OmegaConf.to_object`` only reads, so one instance serves every load unchanged. The
    schema's defaults are constants (no default depends on the environment or the time).
    """
    from omegaconf import OmegaConf

    return OmegaConf.structured(Config)


def load(source: Any = None) -> Config:
    """Build a validated, frozen :class:`Config` from a dataclass, mapping, DictConfig or None.

    ``None`` gives the schema defaults (the ``default`` place). Mappings may be partial; unknown
    keys and wrong types raise :class:`ConfigError` naming the key. An unfrozen :class:`Config`
    goes through the same type checks as a mapping; numpy scalars and arrays count as the
    Python numbers and lists they hold. Values that call a resolver (``${oc.env:HOME}``) are
    refused unless ``LEFTSHIFT_ALLOW_RESOLVERS=1``.
    """
    from omegaconf import DictConfig, OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if isinstance(source, Config):
        if source._frozen:
            return source
        source = to_container(source)
    if source is not None and not isinstance(source, DictConfig | Mapping):
        raise ConfigError([f"config must be a mapping, got {type(source).__name__}"])
    try:
        schema = _structured_schema()
        if source is not None:
            if isinstance(source, DictConfig):
                raw = OmegaConf.to_container(source, resolve=False)
            else:
                source = raw = plain(source)
            if os.environ.get(ALLOW_RESOLVERS_VARIABLE) != "1":
                problems = resolver_problems(raw)
                if problems:
                    raise ConfigError(problems)
            schema = OmegaConf.merge(schema, source)
        built = OmegaConf.to_object(schema)
        assert isinstance(built, Config)
        cfg = built
    except OmegaConfBaseException as exc:
        raise ConfigError([_omegaconf_message(exc)]) from None
    return freeze(validate(cfg))


def plain(value: Any) -> Any:
    """A mapping's values as plain Python: numpy scalars and arrays become numbers and lists."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return value.tolist()  # a numpy scalar's tolist() is its Python value
    return value


def resolver_problems(container: Any, prefix: str = "") -> list[str]:
    """Keys whose values call a resolver (``${oc.env:...}``), each named; ``hydra.*`` is exempt.

    A resolver reads from outside the config (the environment, a file, the clock), so the
    value would depend on the machine and be written into the outputs.
    """
    problems = []
    if isinstance(container, Mapping):
        items = [(f"{prefix}{k}", v) for k, v in container.items() if prefix or k != "hydra"]
    elif isinstance(container, list):
        items = [(f"{prefix.rstrip('.')}[{i}]", v) for i, v in enumerate(container)]
    else:
        items = []
    for key, value in items:
        if isinstance(value, str) and RESOLVER_CALL.search(value):
            problems.append(
                f"{key} = {value!r}: a resolver call (${{name:...}}) reads from outside the"
                " config, such as the environment, so the run depends on the machine; write"
                f" the value itself, or set {ALLOW_RESOLVERS_VARIABLE}=1 to allow resolvers"
            )
        elif isinstance(value, Mapping | list):
            problems += resolver_problems(value, f"{key}.")
    return problems


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
    """Register the schema in Hydra's ConfigStore as ``leftshift_schema`` (once per process).

    Storing builds the schema's structured config (about 60 ms, a quarter of a compose);
    storing it again would put the same node back, so a second call does nothing.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    if "leftshift_schema.yaml" not in store.list(""):
        store.store(name="leftshift_schema", node=Config)
