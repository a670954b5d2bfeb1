"""factory_boy factories. Each domain keeps its own module (catalogue.py, quotes.py, ...)."""
