"""Auditor screens: the trail filtered, one record's access history, one user's activity, the chain, CSV."""
