"""Model families of the four papers, one module each."""
