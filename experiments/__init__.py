"""How to ask many questions of the model: experiment files, runners and analysis."""
