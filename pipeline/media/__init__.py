"""Media access: probing containers, fingerprinting files, generating test videos."""
