"""Documents: encrypted attachments on records, the printable case file, referral letters (docs/documents.md)."""
