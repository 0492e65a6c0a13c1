"""Import incidents (CAD, RMS, use of force), DEMS footage inventories and camera rosters."""
