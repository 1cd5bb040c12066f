"""How the world moves: the Mesa model, the life cycle, the graph, interventions, metrics.

The engine layer: it imports nothing above it (no file reading, experiments or front doors).
"""
