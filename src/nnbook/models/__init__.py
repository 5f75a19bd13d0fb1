"""Complete models assembled from the layers."""
