"""Platform code every feature uses: settings, database, HTTP, auth, logging, crypto, files, clock."""
