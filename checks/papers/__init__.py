"""One module per paper section; importing a module registers its claims."""
