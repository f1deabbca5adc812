"""The ``winnow`` command (``main``) and its sub-commands, one module (or package) each."""
