"""Importers and exporters of the directories (`flask import ...`, `flask export ...`)."""

import click


@click.group("import")
def import_cli():
    """Import a directory file (CSV in UTF-8 or GBK, or XLSX); all-or-nothing."""


@click.group("export")
def export_cli():
    """Export a directory to CSV or XLSX."""
