"""Model invariants (MODEL.md B8). A violation is an error, never a warning."""


class InvariantError(RuntimeError):
    """A conservation law or capacity bound of the model was broken during a run."""
