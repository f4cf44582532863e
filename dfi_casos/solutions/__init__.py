"""Durable solutions: assessments against the IASC criteria, the dashboard and its exports."""
