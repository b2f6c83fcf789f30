"""Certificates: serial numbers, Chinese dates and PDF rendering, with no Flask or database.

- ``serials``: ``new_serial``, ``is_well_formed``, ``normalize_serial`` (pure, cheap).
- ``chinese_dates``: ``chinese_date``.
- ``render``: ``CertificateData``, ``certificate_context``, ``render_html``,
  ``render_certificate_pdf``, ``render_certificates_pdf`` (imports WeasyPrint).

Nothing is imported here, so checking a serial does not load WeasyPrint.
"""
