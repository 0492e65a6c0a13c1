"""Gap reports, their renderings and GIS/CSV exports."""
