"""The city's places: streets, colonias, the municipal boundary and zones, imported from GeoJSON or
INEGI shapefiles, read as an in-memory index that turns written addresses into points and pins into
street names. Implements bot.flows.places.Places for the engine."""
