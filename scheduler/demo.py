"""Load the deterministic demo district into the database (`flask demo load`)."""

import click


@click.group("demo")
def demo_cli():
    """The demo district."""
