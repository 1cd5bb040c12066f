"""What world to simulate: scenario files (YAML), their schema and their loader."""
