"""The neutral model Kindred's features are written against: no chat platform is imported here."""
