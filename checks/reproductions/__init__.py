"""The papers' figures and tables re-run at a size this machine can afford, one module per
paper; each public function takes a profile and returns the dict of
:class:`checks.framework.Reproduction`."""
