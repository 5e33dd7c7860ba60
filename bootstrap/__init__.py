"""The composition root: reads the settings and wires each port to its adapter."""
