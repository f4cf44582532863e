"""Data-subject rights (ARCO requests), the business-day calendar, blocking, deletion and retention."""
