"""IAM: action catalog, policy matching and least-privilege generation."""
