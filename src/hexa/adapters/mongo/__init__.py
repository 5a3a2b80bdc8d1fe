"""MongoDB adapters over PyMongo's native async client (`AsyncMongoClient`)."""
