"""Build the Sanwei site from lessons/ and stations.yaml."""
