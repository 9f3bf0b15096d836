"""The REST API (issue #14): Django REST framework views under ``/api/v1/`` that call the
same services and selectors as the web pages, API tokens and their page, the OpenAPI
schema and its docs. The top layer of the import order (DESIGN §2), beside ``reports``."""
