"""Video in, landmarks out: model provisioning, frame sources, pose extraction, tracking."""
