"""The converter: text -> sentences -> mentions -> entities -> events -> RDF, one module per stage."""
