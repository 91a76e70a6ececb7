"""Reading recordings (EDF, EDF+, BDF) and annotation files into the data model."""
