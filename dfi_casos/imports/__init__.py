"""Field forms (XLSForm) and bulk import of households with a validation report."""
