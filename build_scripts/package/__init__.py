"""The installable packages (``./run package`` -> dist/): the pip wheel and the npm tarball."""
