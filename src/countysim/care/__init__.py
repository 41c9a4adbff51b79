"""What happens to an episode."""
