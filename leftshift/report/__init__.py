"""Report layer: console text, figures and the run directory; never runs the model."""
