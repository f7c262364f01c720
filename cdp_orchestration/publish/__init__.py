"""Publishing: the read-only copy of the warehouse that analysts query while the next night writes."""
