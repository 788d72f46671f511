"""Python source analysis: taint from the event to sinks, and boto3 calls."""
