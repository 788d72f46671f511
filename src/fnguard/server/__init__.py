"""The control plane: API, store, dashboard, alerts."""
