"""Render the revenue and quota report as one self-contained HTML file."""
