"""Portal pages: small server-rendered HTML templates with escaped values, no template engine."""
