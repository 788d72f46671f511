"""Report formats: text, json, sarif, cyclonedx, html."""
