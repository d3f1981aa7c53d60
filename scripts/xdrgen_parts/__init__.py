"""scripts/xdrgen in parts: syntax -> model -> functions/generator -> catalogue."""
