"""Reference catalogs: geography (INEGI), CURP state codes, indigenous languages (INALI), enumerations, institutions."""
