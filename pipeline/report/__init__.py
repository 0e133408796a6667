"""capture report: access logs, their tally, feedback exports, the typed report and its HTML page."""
