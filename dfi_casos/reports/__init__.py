"""Every aggregate the app shows or exports: indicators, the map, the monthly report, small-cell suppression."""
