"""Running the service: backing up the database and restoring a backup with proof."""
