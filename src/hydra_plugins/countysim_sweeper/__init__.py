"""countysim's Hydra sweeper plugin (lives in the hydra_plugins namespace, as Hydra requires)."""
