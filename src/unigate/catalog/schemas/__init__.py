"""Input and output models of every subfeature, one module per feature.

Importing a module registers its subfeatures; `unigate.catalog.registry` imports them on demand.
"""
