"""Views of the risk register, one module per area."""
