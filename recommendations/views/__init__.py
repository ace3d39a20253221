"""The public pages (dashboards, feeds, search): thin views over the selectors of both apps.

One module per resource; URL paths are a contract (DESIGN.md) and live in recommendations/urls.py.
"""
