"""The annotated corpora the toolkit reads, one module per corpus."""
